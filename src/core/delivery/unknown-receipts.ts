/**
 * Receipts for copies whose submit_sm_resp was lost. A submit sent and never answered (a timeout, a cut
 * connection) may still have been accepted by the SMSC; we never learned that copy's message id, so its
 * receipt matches no part by id. Real SMSCs' receipts say more than the id: source_addr is the original
 * destination, destination_addr the original source, `submit date:` when the SMSC took the message and
 * `text:` its first characters (SMPP 3.4 Appendix B). A receipt that matches no part by id is kept with those
 * fields, and a part whose submit outcome is unknown takes the first such receipt that fits it:
 *
 * - the same connector, the same destination (the receipt's source), the same source when the receipt
 *   names one (alphanumeric senders compare without case),
 * - the receipt's text, where it has one, is the start of that part's text (`?` stands for any character:
 *   SMSCs write what ASCII lacks as `?`),
 * - the SMSC took it during the unknown attempt: its submit date (minutes, floored) lies between the
 *   minute the attempt was sent and the moment its outcome was recorded unknown, give or take CLOCK_SKEW_MS
 *   for the two clocks; a receipt without a submit date must have arrived after the attempt was sent.
 *
 * A message submitted meanwhile by a resubmission (still en route) takes only a "delivered" receipt of its
 * earlier copy: the network delivered the message, whatever becomes of the second copy (an SMSC may refuse it
 * as a duplicate). Any other outcome of the earlier copy is left to the resubmission's own receipt.
 *
 * Copies the receipt cannot tell apart (two unknown messages to the same number, same sender, same text,
 * in the same minutes) are paired in order: the oldest unknown attempt takes the oldest fitting receipt. A
 * part takes one receipt; the receipts of further copies of it wait and are dropped with the other
 * unmatched receipts after the validity period.
 */

import { encodeText } from "../encoding/index.js";
import type { Message } from "../message.js";

/** How far the SMSC's clock and ours may disagree, beyond the receipt dates' one-minute resolution. */
export const CLOCK_SKEW_MS = 60_000;
/** How much of a part's text is kept to compare: receipts show 20 characters. */
export const RECEIPT_TEXT_LENGTH = 20;

/** One submit attempt of part `partIndex` of a message, sent and never answered. */
export interface UnknownAttempt {
  uuid: string;
  partIndex: number;
  connectorId: string;
  /** The message's destination and source as the gateway sent them. */
  destination: string;
  source: string;
  /** The first RECEIPT_TEXT_LENGTH characters of the part's text. */
  text: string;
  /** When it was sent, and when its outcome was recorded unknown (unix ms). */
  sentAt: number;
  recordedAt: number;
  /** The message was submitted meanwhile by another copy: only a delivered receipt is taken. */
  submittedByAnother?: boolean;
}

/** A receipt whose id matched no part, with what it says about its message. */
export interface AddressedReceipt {
  connectorId: string;
  /** The original destination (the handset) and the original source, as the SMSC wrote them. */
  source: string | null;
  destination: string | null;
  /** `submit date:` (unix ms), null when absent. */
  submittedAt: number | null;
  text: string | null;
  receivedAt: number;
  /** Arrival order among receipts received in the same millisecond. */
  seq: number;
  /** The receipt's state (DELIVRD, UNDELIV, ...). */
  state: string;
}

/**
 * An address as compared: numbers without "+", international "00" or leading zeros (SMSCs write them with
 * or without); alphanumeric senders trimmed and in upper case.
 */
export function normaliseAddress(value: string): string {
  const v = value.trim();
  if (/^\+?\d+$/.test(v)) return v.replace(/^\+/, "").replace(/^0+/, "");
  return v.toUpperCase();
}

/** Whether the receipt's text is the start of the part's text (`?` for any character). */
export function textFits(receiptText: string | null, partText: string): boolean {
  const shown = [...(receiptText ?? "").replace(/[\0\s]+$/, "")];
  if (shown.length === 0) return true;
  const part = [...partText];
  const n = Math.min(shown.length, RECEIPT_TEXT_LENGTH);
  // A receipt text longer than the part is another message's.
  if (part.length < n) return false;
  for (let i = 0; i < n; i++) if (shown[i] !== "?" && shown[i] !== part[i]) return false;
  return true;
}

/** Whether the SMSC took the receipt's message while the attempt was unanswered. */
export function timeFits(
  r: Pick<AddressedReceipt, "submittedAt" | "receivedAt">,
  a: UnknownAttempt,
): boolean {
  const sentMinute = a.sentAt - (a.sentAt % 60_000);
  if (r.submittedAt === null) return r.receivedAt >= a.sentAt - CLOCK_SKEW_MS;
  return r.submittedAt >= sentMinute - CLOCK_SKEW_MS && r.submittedAt <= a.recordedAt + CLOCK_SKEW_MS;
}

/** Whether `r` may be the receipt of the copy `a` sent. */
export function receiptFits(r: AddressedReceipt, a: UnknownAttempt): boolean {
  if (r.connectorId !== a.connectorId || r.source === null) return false;
  if (a.submittedByAnother && r.state !== "DELIVRD") return false;
  if (normaliseAddress(r.source) !== normaliseAddress(a.destination)) return false;
  if (r.destination && normaliseAddress(r.destination) !== normaliseAddress(a.source)) return false;
  return textFits(r.text, a.text) && timeFits(r, a);
}

/**
 * Pairs unknown attempts with the receipts that fit them: oldest attempt first (by send time, then message
 * uuid and part), each taking the oldest fitting receipt not yet taken; one receipt per message part.
 */
export function pairUnknownReceipts<A extends UnknownAttempt, R extends AddressedReceipt>(
  attempts: readonly A[],
  receipts: readonly R[],
): { attempt: A; receipt: R }[] {
  const byAge = [...receipts].sort((x, y) => x.receivedAt - y.receivedAt || x.seq - y.seq);
  const ordered = [...attempts].sort(
    (x, y) =>
      x.sentAt - y.sentAt || (x.uuid < y.uuid ? -1 : x.uuid > y.uuid ? 1 : 0) || x.partIndex - y.partIndex,
  );
  const taken = new Set<R>();
  const linked = new Set<string>();
  const pairs: { attempt: A; receipt: R }[] = [];
  for (const attempt of ordered) {
    const part = `${attempt.uuid}\0${attempt.partIndex}`;
    if (linked.has(part)) continue;
    const receipt = byAge.find((r) => !taken.has(r) && receiptFits(r, attempt));
    if (!receipt) continue;
    taken.add(receipt);
    linked.add(part);
    pairs.push({ attempt, receipt });
  }
  return pairs;
}

/** The text of part `partIndex` as the connector sends it (segmented as the dispatcher does), cut to what a receipt shows. */
export function partTextPrefix(message: Pick<Message, "text" | "encoding">, partIndex: number): string {
  const parts = encodeText(message.text ?? "", message.encoding === "ucs2").parts;
  return [...(parts[partIndex] ?? "")].slice(0, RECEIPT_TEXT_LENGTH).join("");
}
