/** deliver_sm PDUs the simulated SMSC sends: delivery receipts and messages from handsets (MO). */
import type { ReceiptState, TextEncoding } from "../connector.js";
import type { PduFields } from "../smpp/lib.js";
import { type AlphabetOptions, encodeBody } from "../smpp/text-codec.js";
import { concatUdh } from "../smpp/udh.js";
import type { ReceiptRecord } from "./ledger.js";

export const MESSAGE_STATE: Record<ReceiptState, number> = {
  ENROUTE: 1,
  DELIVRD: 2,
  EXPIRED: 3,
  DELETED: 4,
  UNDELIV: 5,
  ACCEPTD: 6,
  UNKNOWN: 7,
  REJECTD: 8,
};

export function formatId(value: number, format: "hex" | "decimal", pad = 0): string {
  const text = format === "hex" ? value.toString(16).toUpperCase() : value.toString(10);
  return text.padStart(pad, "0");
}

/** YYMMDDhhmm in UTC, the date form of SMPP 3.4 Appendix B. */
function receiptDate(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getUTCFullYear() % 100)}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}`;
}

export function receiptFields(
  record: ReceiptRecord,
  state: ReceiptState,
  error: number,
  withTlvs: boolean,
  now = Date.now(),
): PduFields {
  const delivered = state === "DELIVRD" ? "001" : "000";
  // The text field is the start of the message; receipts are ASCII, so anything else shows as "?".
  const preview = record.text.slice(0, 20).replace(/[^\x20-\x7e]/g, "?");
  const text =
    `id:${record.receiptId} sub:001 dlvrd:${delivered} submit date:${receiptDate(record.receivedAt)} ` +
    `done date:${receiptDate(now)} stat:${state} err:${String(error).padStart(3, "0")} text:${preview}`;
  const fields: PduFields = {
    source_addr_ton: record.destTon,
    source_addr_npi: record.destNpi,
    source_addr: record.destination,
    dest_addr_ton: record.sourceTon,
    dest_addr_npi: record.sourceNpi,
    destination_addr: record.source,
    esm_class: 0x04,
    data_coding: 0,
    short_message: Buffer.from(text, "latin1"),
  };
  if (withTlvs) {
    fields.receipted_message_id = record.receiptId;
    fields.message_state = MESSAGE_STATE[state];
    fields.network_error_code = Buffer.from([3, (error >> 8) & 0xff, error & 0xff]); // 3 = GSM
  }
  return fields;
}

/** TON/NPI of an address as a handset network would send it. */
function addressOf(value: string): { ton: number; npi: number; addr: string } {
  if (/^\+\d+$/.test(value)) return { ton: 1, npi: 1, addr: value.slice(1) };
  if (/^\d+$/.test(value))
    return { ton: value.length <= 8 ? 3 : 1, npi: value.length <= 8 ? 0 : 1, addr: value };
  return { ton: 5, npi: 0, addr: value };
}

/** One deliver_sm per part; concatenated with an 8-bit reference UDH when there is more than one. */
export function inboundFields(
  from: string,
  to: string,
  parts: string[],
  encoding: TextEncoding,
  alphabet: AlphabetOptions,
  ref: number,
): PduFields[] {
  const source = addressOf(from);
  const dest = addressOf(to);
  return parts.map((text, index) => {
    const udh = parts.length > 1 ? concatUdh({ ref, total: parts.length, seq: index + 1 }) : Buffer.alloc(0);
    const { dataCoding, body } = encodeBody(text, encoding, alphabet, udh.length);
    return {
      source_addr_ton: source.ton,
      source_addr_npi: source.npi,
      source_addr: source.addr,
      dest_addr_ton: dest.ton,
      dest_addr_npi: dest.npi,
      destination_addr: dest.addr,
      esm_class: udh.length > 0 ? 0x40 : 0,
      data_coding: dataCoding,
      short_message: Buffer.concat([udh, body]),
    };
  });
}
