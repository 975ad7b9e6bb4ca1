/** Copies whose submit_sm_resp was lost, found by their receipts, in memory (as store/sql/delivery/unknown-receipts.ts). */
import {
  normaliseAddress,
  pairUnknownReceipts,
  partTextPrefix,
} from "../../core/delivery/unknown-receipts.js";
import { isFinalDlr } from "../../core/delivery-state.js";
import { Status } from "../../core/message.js";
import type { DeliveryOutcome } from "../ports/index.js";
import type { MemoryTables, WaitingReceipt } from "./state.js";

/**
 * Pairs unknown attempts of messages still unsubmitted with waiting receipts, takes the paired receipts
 * out of `t.waiting` and drops the attempts of the parts they found. The caller records each pair.
 */
export function takeUnknownPairs(t: MemoryTables) {
  const open = t.unknownSubmits.flatMap((a) => {
    const m = t.messages.get(a.uuid);
    if (m === undefined) return [];
    if (m.statusCode === Status.NEW || m.statusCode === Status.BLOCKED) return [a];
    const enRoute = m.statusCode === Status.TRANSMITTED && !isFinalDlr(m.dlrCode);
    return enRoute ? [{ ...a, submittedByAnother: true }] : [];
  });
  const waiting = t.waiting
    .filter((w) => w.source !== undefined)
    .map((w) => ({
      connectorId: w.connectorId,
      source: w.source ?? null,
      destination: w.destination ?? null,
      submittedAt: w.submittedAt ?? null,
      text: w.text ?? null,
      receivedAt: w.receivedAt,
      seq: w.id,
      state: w.state,
      waiting: w,
    }));
  const pairs = pairUnknownReceipts(open, waiting);
  if (pairs.length === 0) return [];
  const taken = new Set<WaitingReceipt>(pairs.map((p) => p.receipt.waiting));
  t.waiting.splice(0, t.waiting.length, ...t.waiting.filter((w) => !taken.has(w)));
  const parts = new Set(pairs.map((p) => `${p.attempt.uuid}\0${p.attempt.partIndex}`));
  t.unknownSubmits.splice(
    0,
    t.unknownSubmits.length,
    ...t.unknownSubmits.filter((a) => !parts.has(`${a.uuid}\0${a.partIndex}`)),
  );
  return pairs.map((p) => ({ attempt: p.attempt, receipt: p.receipt.waiting }));
}

/** An attempt sent and never answered (its claim holder's), kept until a receipt finds its copy. */
export function keepUnknownAttempt(
  t: MemoryTables,
  o: Extract<DeliveryOutcome, { kind: "retry" | "failed" }>,
  partIndex: number,
  now: number,
): void {
  if (!o.unknownOutcome || o.connectorId === undefined) return;
  t.unknownSubmits.push({
    uuid: o.message.uuid,
    partIndex,
    connectorId: o.connectorId,
    destination: normaliseAddress(o.message.phone),
    source: o.message.senderId,
    text: partTextPrefix(o.message, partIndex),
    sentAt: o.sentAt ?? now,
    recordedAt: now,
  });
}
