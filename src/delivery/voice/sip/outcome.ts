/**
 * What a call's final SIP response means for the message (RFC 3261 §21 status codes). The mapping is the
 * product's policy, so it lives in one pure function with its own tests.
 */
export type CallOutcomeKind =
  /** Answered and the whole message was played. */
  | "played"
  /** Answered, but the far end hung up before the message ended. */
  | "hung_up_early"
  /** The line was busy or the callee declined: try again after a pause. */
  | "busy"
  /** It rang and nobody answered (our ringing timeout, 480, 408 after ringing). */
  | "no_answer"
  /** The number does not exist or is incomplete: retrying cannot help. */
  | "invalid_number"
  /** The trunk did not take the call (unreachable, 5xx, authentication refused): another trunk may. */
  | "trunk_down"
  /** Refused for another reason retrying will not change. */
  | "rejected";

export function outcomeOfStatus(
  status: number,
  context: { heardFromFarEnd: boolean; cancelled: boolean },
): CallOutcomeKind {
  if (context.cancelled && (status === 487 || status === 408)) return "no_answer";
  switch (status) {
    case 486: // Busy Here
    case 600: // Busy Everywhere
    case 603: // Decline: the callee refused this call; a later one may be taken
      return "busy";
    case 480: // Temporarily Unavailable
    case 487: // Request Terminated (by someone other than us)
      return "no_answer";
    case 408:
      // Our own transaction timeout says nothing answered at all: the trunk is unreachable.
      return context.heardFromFarEnd ? "no_answer" : "trunk_down";
    case 404: // Not Found
    case 484: // Address Incomplete
    case 485: // Ambiguous
    case 604: // Does Not Exist Anywhere
      return "invalid_number";
    case 401:
    case 407:
      // Still challenged after we answered the challenge: our credentials are wrong for this trunk.
      return "trunk_down";
  }
  if (status >= 500 && status < 600) return "trunk_down";
  return "rejected";
}
