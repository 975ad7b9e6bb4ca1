/** Addresses on the wire: TON/NPI for what we send, E.164 with "+" for what we receive. */
import type { PerSenderKind } from "./config.js";

export interface SmppAddress {
  ton: number;
  npi: number;
  addr: string;
}

export type SenderKind = keyof PerSenderKind;

/** Alphanumeric, international number (with or without "+"), or short code (3–8 digits without "+"). */
export function senderKindOf(source: string): SenderKind {
  const trimmed = source.trim();
  if (!/^\+?\d+$/.test(trimmed)) return "alphanumeric";
  if (trimmed.startsWith("+")) return "international";
  return trimmed.length <= 8 ? "shortCode" : "international";
}

export function sourceAddress(source: string, ton: PerSenderKind, npi: PerSenderKind): SmppAddress {
  const kind = senderKindOf(source);
  const trimmed = source.trim();
  const addr = kind === "alphanumeric" ? trimmed : trimmed.replace(/^\+/, "");
  return { ton: ton[kind], npi: npi[kind], addr };
}

/** Destinations are E.164; the SMSC wants the digits without "+". */
export function destinationAddress(destination: string, ton: number, npi: number): SmppAddress {
  const addr = destination.trim().replace(/^\+/, "");
  if (!/^\d{1,20}$/.test(addr)) throw new InvalidAddressError(`destination "${destination}" is not a number`);
  return { ton, npi, addr };
}

/** Received address: international numbers get their "+" back, anything else is kept as sent. */
export function receivedAddress(addr: string, ton: number): string {
  if (ton === 1 && /^\d+$/.test(addr)) return `+${addr}`;
  return addr;
}

export class InvalidAddressError extends Error {}
