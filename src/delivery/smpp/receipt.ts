/**
 * Delivery receipts: the TLVs (receipted_message_id, message_state, network_error_code) when the SMSC sends
 * them, else the SMPP 3.4 Appendix B text `id:… sub:… dlvrd:… submit date:… done date:… stat:… err:… text:…`.
 * Carriers vary the case, leave fields out, write "submit_date", pad or shorten dates; all tolerated here.
 */
import type { ReceiptState } from "../connector.js";
import { type DeliverFields, userData } from "./deliver.js";
import { DataCoding } from "./text-codec.js";
import { splitUserData } from "./udh.js";

export interface ParsedReceipt {
  /** The id as the SMSC wrote it (not normalised). */
  id: string;
  state: ReceiptState;
  errorCode?: number;
  submittedAt?: Date;
  doneAt?: Date;
  submitted?: number;
  delivered?: number;
  text?: string;
}

export interface ReceiptText {
  id?: string;
  stat?: string;
  err?: string;
  sub?: string;
  dlvrd?: string;
  submitDate?: string;
  doneDate?: string;
  text?: string;
}

/** message_state values (SMPP 3.4 §5.3.2.35); 0 is SCHEDULED in SMPP 5 and still on its way. */
const STATE_BY_NUMBER: Record<number, ReceiptState> = {
  0: "ENROUTE",
  1: "ENROUTE",
  2: "DELIVRD",
  3: "EXPIRED",
  4: "DELETED",
  5: "UNDELIV",
  6: "ACCEPTD",
  7: "UNKNOWN",
  8: "REJECTD",
  9: "UNDELIV",
};

/** stat: spellings seen in the wild, mapped to the SMPP names. */
const STATE_BY_NAME: Record<string, ReceiptState> = {
  DELIVRD: "DELIVRD",
  DELIVERED: "DELIVRD",
  DELIVER: "DELIVRD",
  EXPIRED: "EXPIRED",
  EXPIRD: "EXPIRED",
  DELETED: "DELETED",
  DELETD: "DELETED",
  UNDELIV: "UNDELIV",
  UNDELIVERABLE: "UNDELIV",
  UNDELIVERED: "UNDELIV",
  UNDELIVRD: "UNDELIV",
  FAILED: "UNDELIV",
  ACCEPTD: "ACCEPTD",
  ACCEPTED: "ACCEPTD",
  UNKNOWN: "UNKNOWN",
  REJECTD: "REJECTD",
  REJECTED: "REJECTD",
  ENROUTE: "ENROUTE",
  BUFFERED: "ENROUTE",
  SCHEDULED: "ENROUTE",
};

export function stateFromNumber(value: number): ReceiptState {
  return STATE_BY_NUMBER[value] ?? "UNKNOWN";
}

export function stateFromName(value: string): ReceiptState {
  const name = value.trim().toUpperCase();
  if (/^\d+$/.test(name)) return stateFromNumber(Number(name));
  return STATE_BY_NAME[name] ?? "UNKNOWN";
}

const KEY = /(?:^|[\s,;])(id|sub|dlvrd|submit[ _]?date|done[ _]?date|stat|err|text)\s*:/gi;

/** Splits the receipt text into its fields; a key may be missing, "text:" runs to the end. */
export function parseReceiptText(input: string): ReceiptText {
  const found: { key: string; start: number; valueStart: number }[] = [];
  for (const match of input.matchAll(KEY)) {
    const key = match[1]!.toLowerCase().replace(/[ _]/g, "");
    const start = match.index! + (match[0].length - match[0].trimStart().length);
    found.push({ key, start, valueStart: match.index! + match[0].length });
    if (key === "text") break; // the message text may itself contain "id:" or "stat:"
  }
  const out: ReceiptText = {};
  found.forEach((entry, i) => {
    const end = i + 1 < found.length ? found[i + 1]!.start : input.length;
    const raw = input.slice(entry.valueStart, end);
    const value = entry.key === "text" ? raw.replace(/^ /, "").replace(/\0+$/, "") : raw.trim();
    const field = FIELD_BY_KEY[entry.key];
    if (field && out[field] === undefined) out[field] = value;
  });
  return out;
}

const FIELD_BY_KEY: Record<string, keyof ReceiptText> = {
  id: "id",
  sub: "sub",
  dlvrd: "dlvrd",
  submitdate: "submitDate",
  donedate: "doneDate",
  stat: "stat",
  err: "err",
  text: "text",
};

/**
 * Date of a receipt: YYMMDDhhmm, YYMMDDhhmmss or YYYYMMDDhhmmss. The SMSC's time zone is not stated;
 * taken as UTC.
 */
export function parseReceiptDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const digits = value.trim();
  const long = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)$/.exec(digits);
  const m = long ?? /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?$/.exec(digits);
  if (!m) return undefined;
  const year = long ? Number(m[1]) : 2000 + Number(m[1]);
  const [month, day, hour, minute] = [m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number];
  const second = m[6] ? Number(m[6]) : 0;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59)
    return undefined;
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second));
}

/** err: usually decimal ("000", "1"), sometimes hex ("0x1A", "00B"). */
export function parseErrorCode(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number.parseInt(v, 10);
  const hex = /^(?:0x)?([0-9a-f]+)$/i.exec(v);
  return hex ? Number.parseInt(hex[1]!, 16) : undefined;
}

/** Receipt text of a deliver_sm: ASCII in practice; UCS-2 when the SMSC says so. */
export function receiptText(fields: DeliverFields): string {
  const { body } = splitUserData(userData(fields), (fields.esmClass & 0x40) !== 0);
  if (fields.dataCoding === DataCoding.UCS2) return Buffer.from(body).swap16().toString("utf16le");
  return body.toString("latin1");
}

/** The receipt in a deliver_sm, TLVs first; undefined when it carries no message id at all. */
export function parseReceipt(fields: DeliverFields): ParsedReceipt | undefined {
  const text = parseReceiptText(receiptText(evenLength(fields)));
  // The library reads this TLV up to a NUL, so a value sent without one runs into the next TLV: cut it there.
  const tlvId = fields.receiptedMessageId?.replace(/[\x00-\x1f].*$/s, "").trim();
  const id = tlvId || text.id?.split(/\s/)[0];
  if (!id) return undefined;
  const state =
    fields.messageState !== undefined
      ? stateFromNumber(fields.messageState)
      : text.stat !== undefined
        ? stateFromName(text.stat)
        : "UNKNOWN";
  const receipt: ParsedReceipt = { id, state };
  const networkError = fields.networkErrorCode;
  const errorCode =
    networkError && networkError.length >= 3 ? networkError.readUInt16BE(1) : parseErrorCode(text.err);
  if (errorCode !== undefined) receipt.errorCode = errorCode;
  const submittedAt = parseReceiptDate(text.submitDate);
  if (submittedAt) receipt.submittedAt = submittedAt;
  const doneAt = parseReceiptDate(text.doneDate);
  if (doneAt) receipt.doneAt = doneAt;
  if (text.sub && /^\d+$/.test(text.sub)) receipt.submitted = Number(text.sub);
  if (text.dlvrd && /^\d+$/.test(text.dlvrd)) receipt.delivered = Number(text.dlvrd);
  if (text.text !== undefined) receipt.text = text.text;
  return receipt;
}

/** A UCS-2 body with a stray odd octet would make swap16 throw; drop the octet. */
function evenLength(fields: DeliverFields): DeliverFields {
  if (fields.dataCoding !== DataCoding.UCS2) return fields;
  const data = userData(fields);
  const udh = splitUserData(data, (fields.esmClass & 0x40) !== 0).header.length;
  if ((data.length - udh) % 2 === 0) return fields;
  return { ...fields, shortMessage: data.subarray(0, data.length - 1), messagePayload: undefined };
}
