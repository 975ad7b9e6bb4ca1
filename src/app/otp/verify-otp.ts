/**
 * POST /otp/verify. The check is a compare-and-set on (status, attempts): of any number of concurrent
 * verifies and cancels, exactly one moves an OTP out of in_progress, and no wrong code is counted twice.
 */
import { codeMatches, decideCheck, utcDay } from "../../core/otp.js";
import { AppError } from "../../errors.js";
import type { AccountProfile } from "../../store/ports/index.js";
import type { AppDeps } from "../deps.js";
import { loadOtp, notActive, tooManyWrong } from "./load-otp.js";
import { otpHashKeys, otpLimitsOf } from "./settings.js";

/**
 * Each lost compare-and-set means someone else changed the OTP; an OTP changes at most four times (three
 * wrong codes, then final), so a few rounds always settle it.
 */
const MAX_ROUNDS = 8;

/**
 * `code` is the canonical tried code (core/otp.ts parseTriedCode). Resolves when approved; throws
 * otp_invalid_code (422, also for the third wrong code, which fails the OTP), otp_too_many_wrong (429,
 * any check after that), otp_not_active (422), otp_not_found (404), or otp_daily_quota (429).
 */
export async function verifyOtp(deps: AppDeps, account: AccountProfile, otpId: string, code: string): Promise<void> {
  // Every well-formed verify call counts, whatever its outcome: the quota bounds guessing across OTPs,
  // including probing for ids.
  const { dailyQuota } = await otpLimitsOf(deps, account.id);
  if (!(await deps.store.otp.takeVerifyQuota(account.id, utcDay(deps.clock.now()), dailyQuota))) {
    throw new AppError("otp_daily_quota", "Maximum verification");
  }
  const keys = otpHashKeys(deps);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const otp = await loadOtp(deps, account.id, otpId);
    // An OTP failed by wrong codes keeps answering the seed's 429, so a client knows to start over.
    if (otp.status === "failed") throw tooManyWrong();
    if (otp.status !== "in_progress") throw notActive();
    // Every key still accepted: an OTP made just before a key rotation verifies after it.
    const matches = keys.some((key) => codeMatches(key, otp.id, code, otp.codeHash));
    const outcome = decideCheck(otp, matches);
    // The tried code is kept because GET /otp/search shows it (as the seed does). It is an attempt, not
    // the secret: a wrong one reveals nothing usable, and the right one is only recorded as the OTP
    // becomes approved, when it can never be used again. The issued code itself exists only as a hash.
    const recorded = await deps.store.otp.recordCheck(otp.id, otp.attempts, outcome.next, {
      checkedAt: deps.clock.now(),
      code,
      valid: matches,
    });
    if (!recorded) continue;
    if (outcome.result === "approved") {
      // The conversion guard judges a number range by its verified share (app/fraud/guard.ts).
      await deps.fraud?.otpVerified(account.id, otp.phone, otp.createdAt);
      return;
    }
    // FullSMS: "a verification check on a specific OTP_ID up to 3 times, and then it is set to FAILED".
    // All three checks are answered as checks (a wrong third one is 422 and fails the OTP); the fourth and
    // later get the 429 above.
    throw new AppError("otp_invalid_code", "This code is invalid.");
  }
  throw new AppError("internal", "OTP check did not settle");
}
