/** FullSMS `send_at`: "YYYY-MM-DD HH:MM:SS" on the account's clock, in the future. */
import { parseLocalDateTime } from "../../core/local-time.js";
import type { FieldViolation } from "../../errors.js";

/** A time this close to now counts as now: the client's clock and ours are never exactly equal. */
const GRACE_MS = 60_000;

export const SEND_AT_FORMAT = "The send at does not match the format Y-m-d H:i:s.";
export const SEND_AT_PAST = "The send at must be a date after now.";

/** Unix seconds to deliver at (0 = now), or the violation. */
export function parseSendAt(
  value: unknown,
  timeZone: string,
  nowMs: number,
): { at: number } | { violation: FieldViolation } {
  if (value === undefined || value === null || value === "") return { at: 0 };
  const instant = typeof value === "string" ? parseLocalDateTime(value.trim(), timeZone) : null;
  if (instant === null) return { violation: { field: "send_at", message: SEND_AT_FORMAT } };
  if (instant < nowMs - GRACE_MS) return { violation: { field: "send_at", message: SEND_AT_PAST } };
  return { at: instant <= nowMs ? 0 : Math.ceil(instant / 1000) };
}
