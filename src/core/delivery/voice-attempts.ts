/**
 * What a call attempt means for a voice message. Busy and unanswered calls are retried after a fixed pause
 * (a person who is busy now is rarely free a second later, and backoff would scatter a voice OTP's retries)
 * until attempts_count_max calls have been made; then the message is not delivered, status 2000 ("no
 * connection possible", the LOX24 voice status), dlr_code 16, and refunded: a call nobody answered is not
 * billed by the trunk, so the customer is not billed either. Trunk trouble is nobody's attempt: it is retried
 * with the SMS backoff within the validity period, without using up the message's calls.
 */
import { Dlr, Status } from "../message.js";
import { voiceAttempts } from "../voice.js";
import {
  decideAfterAttempt,
  failure,
  type RetryPolicy,
  type SubmitAttempt,
  type SubmitDecision,
} from "./submit.js";

export interface VoiceRetryPolicy extends RetryPolicy {
  /** Pause between calls after busy or no answer. */
  voicePauseMs: number;
}

export function decideAfterCall(
  attempt: SubmitAttempt,
  /** Calls counted so far (busy or unanswered ones). */
  calls: number,
  attemptsCountMax: number | null,
  now: number,
  policy: VoiceRetryPolicy,
  random: () => number = Math.random,
): SubmitDecision {
  if (attempt.ok || attempt.kind === "permanent")
    return decideAfterAttempt(attempt, calls, now, policy, random);
  if (attempt.kind === "unanswered") {
    const made = calls + 1;
    if (made >= voiceAttempts(attemptsCountMax)) {
      return failure(
        Status.NO_LANDLINE,
        Dlr.REJECTED,
        `not answered after ${made} call${made > 1 ? "s" : ""}: ${attempt.reason}`,
      );
    }
    return { kind: "retry", dueAt: now + policy.voicePauseMs, error: attempt.reason, countAttempt: true };
  }
  // Trunk down, synthesis failed, all lines of the route down: wait and try again, no call used up.
  const decision = decideAfterAttempt({ ...attempt, anyUp: false }, calls, now, policy, random);
  return decision;
}
