/**
 * What a submit attempt means for a message: the rules the dispatcher runs between a connector's answer and
 * the store's record. Pure: the attempt and the message's delivery state in, one decision out.
 *
 * Long messages: parts a connector accepted are on the network and are never sent again. A later attempt
 * resumes from the first part not accepted, with the same concatenation reference (seeded by the message
 * uuid), on the same connector: another SMSC could not join its parts to the ones already sent, so a
 * message with accepted parts never fails over. If that connector stays down until the validity period
 * ends, the message expires (dlr_code 8) without a refund: the accepted parts were sent and billed, and the
 * handset may show them as an incomplete message. Their receipts still find their parts.
 */
import { Dlr, Status } from "../message.js";
import { backoffMs } from "../routing.js";

/** Parts of a long message that a connector accepted in an earlier attempt, in order from part 1. */
export interface AcceptedParts {
  connectorId: string;
  smscIds: string[];
}

/**
 * Temporary failures are retried with exponential backoff capped at `maxMs`, until the message's validity
 * period ends: it then expires (dlr_code 8), refunded if nothing of it reached a network. The last attempt is
 * made at the end of the validity period rather than skipped. `maxAttempts` (0 = none, the default) gives up
 * earlier, after that many counted attempts, for operators who prefer to.
 */
export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
  maxAttempts: number;
}

/** Why an attempt did not submit the whole message (the connector port's failure kinds). */
export type AttemptFailureKind = "temporary" | "throttled" | "permanent" | "unknown" | "unanswered";

export type SubmitAttempt =
  /** Every part is accepted now: `smscIds` of all parts, earlier accepted ones first. */
  | { ok: true; connectorId: string; smscIds: string[] }
  | {
      ok: false;
      kind: AttemptFailureKind;
      reason: string;
      /** All parts accepted so far (earlier attempts and this one); undefined when none. */
      accepted: AcceptedParts | undefined;
      /** Whether any connector of the route was up to try: connectors down are nobody's attempt. */
      anyUp: boolean;
      /** An earlier attempt's outcome was unknown (sent, never answered): the network may have the message. */
      unknownEarlier?: boolean;
    };

export type SubmitDecision =
  | { kind: "submitted"; connectorId: string; smscIds: string[] }
  | {
      kind: "retry";
      dueAt: number;
      error: string;
      countAttempt: boolean;
      accepted?: AcceptedParts;
      /** This attempt's outcome was unknown: remembered, so the message is never refunded as unsent. */
      unknownOutcome?: boolean;
    }
  | {
      kind: "failed";
      statusCode: number;
      dlrCode: number;
      refund: boolean;
      error: string;
      /** This last attempt of a whole message was sent and never answered: its copy's receipt may still find it. */
      unknownOutcome?: boolean;
    };

/**
 * A failure ends the message; its price goes back only if nothing of it reached a network: no part was
 * accepted, and no attempt's outcome was unknown (sent and never answered: the SMSC may have taken it).
 */
export function failure(
  statusCode: number,
  dlrCode: number,
  error: string,
  accepted?: AcceptedParts,
  mayHaveReached = false,
): Extract<SubmitDecision, { kind: "failed" }> {
  const refund = !mayHaveReached && (!accepted || accepted.smscIds.length === 0);
  return { kind: "failed", statusCode, dlrCode, refund, error };
}

/** The message may no longer be submitted once its validity period (from creation or its scheduled time) passed. */
export function validUntil(m: { createdAt: number; deliveryAt: number }, validityMs: number): number {
  return Math.max(m.createdAt, m.deliveryAt * 1000) + validityMs;
}

/** Before any connector is asked: the message's validity period has passed. */
export function expiredBeforeSubmit(
  m: { createdAt: number; deliveryAt: number },
  now: number,
  validityMs: number,
  accepted?: AcceptedParts,
  unknownEarlier = false,
): SubmitDecision | undefined {
  if (now <= validUntil(m, validityMs)) return undefined;
  return failure(
    Status.NEW,
    Dlr.EXPIRED,
    "validity period passed before submission",
    accepted,
    unknownEarlier,
  );
}

/** The decision after an attempt: recorded as submitted, retried with backoff, or failed. */
export function decideAfterAttempt(
  attempt: SubmitAttempt,
  attempts: number,
  now: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
  /** The end of the message's validity period (validUntil). */
  deadline = Number.POSITIVE_INFINITY,
): SubmitDecision {
  if (attempt.ok) return { kind: "submitted", connectorId: attempt.connectorId, smscIds: attempt.smscIds };
  const unknown = attempt.kind === "unknown";
  const mayHaveReached = unknown || attempt.unknownEarlier === true;
  if (attempt.kind === "permanent")
    return failure(Status.BLOCKED, Dlr.REJECTED, attempt.reason, attempt.accepted, mayHaveReached);
  const countAttempt = attempt.anyUp;
  const nextAttempt = attempts + (countAttempt ? 1 : 0);
  // A copy sent in a last unanswered attempt of a whole message may still be found by its receipt.
  const givenUp = (error: string): SubmitDecision => {
    const failed = failure(Status.NEW, Dlr.EXPIRED, error, attempt.accepted, mayHaveReached);
    const whole = !attempt.accepted || attempt.accepted.smscIds.length === 0;
    return unknown && whole ? { ...failed, unknownOutcome: true } : failed;
  };
  if (policy.maxAttempts > 0 && nextAttempt >= policy.maxAttempts)
    return givenUp(`gave up: ${attempt.reason}`);
  if (now >= deadline) return givenUp(`validity period ended: ${attempt.reason}`);
  const dueAt = Math.min(
    deadline,
    now + backoffMs(Math.max(1, nextAttempt), policy.baseMs, policy.maxMs, random),
  );
  return {
    kind: "retry",
    dueAt,
    error: attempt.reason,
    countAttempt,
    ...(attempt.accepted && attempt.accepted.smscIds.length > 0 ? { accepted: attempt.accepted } : {}),
    ...(unknown ? { unknownOutcome: true } : {}),
  };
}
