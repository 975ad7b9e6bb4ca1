/**
 * SMSC message ids in one canonical form, so the id from submit_sm_resp matches the id in the receipt.
 * Carriers differ: one side may be hex and the other decimal ("0A1B" vs "2587"), or zero-padded.
 * BigInt, because ids longer than 13 hex digits do not fit a double.
 */
import type { IdFormat } from "./config.js";

const HEX = /^(?:0x)?([0-9a-f]+)$/i;
const DECIMAL = /^(\d+)$/;

/**
 * Reads `id` as written in `format` and renders it in `canonical` (hex: lowercase, no leading zeros;
 * decimal: no leading zeros; raw: trimmed). An id that is not a number in that base is kept trimmed
 * (lowercased for hex, whose digits are case-insensitive).
 */
export function normaliseSmscId(id: string, format: IdFormat, canonical: IdFormat = format): string {
  const trimmed = id.trim().replace(/^"(.*)"$/, "$1");
  if (format === "raw" || canonical === "raw") return trimmed;
  const value = parse(trimmed, format);
  if (value === undefined) return format === "hex" ? trimmed.toLowerCase() : trimmed;
  return canonical === "hex" ? value.toString(16) : value.toString(10);
}

function parse(id: string, format: "hex" | "decimal"): bigint | undefined {
  const match = (format === "hex" ? HEX : DECIMAL).exec(id);
  if (!match) return undefined;
  return format === "hex" ? BigInt(`0x${match[1]}`) : BigInt(match[1]!);
}
