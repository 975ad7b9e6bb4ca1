/**
 * The delivery state machine: what a submit record, a failure, a receipt or expiry does to a message.
 * Pure functions of the message's current state and the input, returning the change and the events it
 * raises; the store persists them (set-based, in one transaction per batch).
 *
 *   NEW ──submitted──► TRANSMITTED / EN_ROUTE ──receipts──► DELIVERED | REJECTED | EXPIRED (final)
 *    │                                        └─validity passed without a final receipt──► EXPIRED
 *    └──failed (no route, rejected, expired before submission, gave up)──► final, refunded if nothing was sent
 */
import { aggregateDlr, awaitsReceipt, isFinalDlr, type PartState } from "../delivery-state.js";
import { Dlr, Status } from "../message.js";
import type { DeliveryEvent, DeliveryState, PartRef, StatusChange } from "./state.js";

export interface Decided {
  change: StatusChange;
  event: DeliveryEvent;
}

/** Neither submitted, failed nor cancelled yet: the only state an outcome may still change. */
export const isUnsent = (m: Pick<DeliveryState, "statusCode" | "dlrCode">) =>
  m.statusCode === Status.NEW && !isFinalDlr(m.dlrCode);

/** The text of an is_text_deleted message is erased once nothing more can happen to it. */
export function erasesText(
  m: Pick<DeliveryState, "isTextDeleted">,
  statusCode: number,
  dlrCode: number,
): boolean {
  return (
    m.isTextDeleted &&
    (isFinalDlr(dlrCode) || (statusCode !== Status.NEW && statusCode !== Status.TRANSMITTED))
  );
}

/** Moves `m` to a status and dlr code: the change, its event, and `m` updated in place for the rules that follow. */
export function changeStatus(m: DeliveryState, statusCode: number, dlrCode: number, at: number): Decided {
  const change = { uuid: m.uuid, statusCode, dlrCode, eraseText: erasesText(m, statusCode, dlrCode), at };
  m.statusCode = statusCode;
  m.dlrCode = dlrCode;
  const { uuid, accountId, keyId, callbackData } = m;
  return {
    change,
    event: {
      type: "delivery.status_changed",
      message: { uuid, accountId, keyId, callbackData },
      statusCode,
      dlrCode,
      at,
    },
  };
}

/**
 * A submit was recorded. The first recorded outcome decides: only an unsent message becomes transmitted;
 * the submit of a message already decided (a lapsed lease claimed again, a cancel meanwhile) is a later
 * submission whose parts are kept apart and change nothing.
 */
export function recordSubmit(m: DeliveryState, at: number): Decided | "later_submission" {
  if (!isUnsent(m)) return "later_submission";
  return changeStatus(m, Status.TRANSMITTED, Dlr.EN_ROUTE, at);
}

/**
 * A failure was recorded by the claim holder (`holdsClaim`: it still had the queue row). Ends the message
 * once, with a refund of `priceMicros` when asked for; nothing for a claim taken over or a message decided.
 */
export function recordFailure(
  m: DeliveryState,
  failure: { statusCode: number; dlrCode: number; refund: boolean; priceMicros: number },
  holdsClaim: boolean,
  at: number,
): (Decided & { refundMicros: number }) | undefined {
  if (!holdsClaim || !isUnsent(m)) return undefined;
  const refundMicros = failure.refund && failure.priceMicros > 0 ? failure.priceMicros : 0;
  return { ...changeStatus(m, failure.statusCode, failure.dlrCode, at), refundMicros };
}

/**
 * Which part a receipt belongs to. SMSC ids repeat (a counter restarting with the SMSC): of the parts that
 * got this id on this connector, only one still awaiting a receipt can take it, the one that got the id
 * most recently. Parts of a first submission come before those of a later one. None: the receipt waits for
 * a submit not recorded yet.
 */
export function matchReceipt<P extends PartRef>(candidates: Iterable<P>): P | undefined {
  let best: P | undefined;
  for (const part of candidates) {
    if (!awaitsReceipt(part.state)) continue;
    if (best === undefined || ranks(part) > ranks(best) || (ranks(part) === ranks(best) && newer(part, best)))
      best = part;
  }
  return best;
}
const ranks = (p: PartRef) => (p.resubmitted ? 0 : 1);
const newer = (a: PartRef, b: PartRef) =>
  a.updatedAt > b.updatedAt || (a.updatedAt === b.updatedAt && a.uuid > b.uuid);

/**
 * A receipt for part `partIndex` of `m`, whose parts' states so far are `parts` (updated in place). The
 * message's dlr code follows all its parts: delivered when every part is, failed as soon as one fails. A
 * final message never reopens; a message still being sent (parts accepted, the rest refused for now) keeps
 * its dlr code until the rest is submitted.
 */
export function applyReceipt(
  m: DeliveryState,
  parts: Map<number, PartState>,
  partIndex: number,
  state: PartState,
  at: number,
): Decided | undefined {
  parts.set(partIndex, state);
  if (isFinalDlr(m.dlrCode) || m.statusCode === Status.NEW) return undefined;
  const dlr = aggregateDlr(m.partsCount === 1 ? [state] : [...parts.values()], m.partsCount);
  if (dlr === m.dlrCode) return undefined;
  return changeStatus(m, m.statusCode, dlr, at);
}

/** Maintenance: a transmitted message without a final receipt within the validity period expires. */
export function expire(m: DeliveryState, at: number): Decided | undefined {
  if (m.statusCode !== Status.TRANSMITTED || isFinalDlr(m.dlrCode)) return undefined;
  return changeStatus(m, Status.TRANSMITTED, Dlr.EXPIRED, at);
}

/**
 * A copy sent in an attempt whose outcome was unknown turned out to be accepted: its receipt was found by its
 * addresses and text (unknown-receipts.ts). The message is submitted after all, with that copy. A message
 * still unsent, or one given up without a submission (expired at the end of its validity, or refused by a
 * later attempt: not refunded, since its outcome was unknown), becomes transmitted and its receipt then
 * decides its dlr code. A message submitted meanwhile by a resubmission keeps that one (its outcome is the
 * resubmission's); a cancelled one stays cancelled.
 */
export function recordFoundSubmit(m: DeliveryState, at: number): Decided | undefined {
  if (m.statusCode !== Status.NEW && m.statusCode !== Status.BLOCKED) return undefined;
  return changeStatus(m, Status.TRANSMITTED, Dlr.EN_ROUTE, at);
}
