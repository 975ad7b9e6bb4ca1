/** Reads an OTP for its account, applying expiry lazily (and persisting it) with the injected clock. */
import { statusAt } from "../../core/otp.js";
import { AppError } from "../../errors.js";
import type { OtpRecord } from "../../store/ports/index.js";
import type { AppDeps } from "../deps.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const OTP_NOT_FOUND = "OTP_ID does not exist";

/**
 * Unknown, malformed and other accounts' ids are all the same 404: an id of another tenant must not be
 * distinguishable from one that never existed.
 */
export async function loadOtp(deps: AppDeps, accountId: number, otpId: string): Promise<OtpRecord> {
  const id = otpId.trim().toLowerCase();
  const otp = UUID.test(id) ? await deps.store.otp.get(accountId, id) : undefined;
  if (!otp) throw new AppError("otp_not_found", OTP_NOT_FOUND);
  const now = deps.clock.now();
  if (otp.status === "in_progress" && statusAt(otp, now) === "expired") {
    // There is no timer: an OTP expires when someone next looks at it. Whoever persists it first wins;
    // a concurrent verify cannot sneak in, because its UPDATE also requires expires_at > now.
    await deps.store.otp.finish(otp.id, "expired", now);
    return (await deps.store.otp.get(accountId, otp.id)) ?? otp;
  }
  return otp;
}

export const notActive = () => new AppError("otp_not_active", "OTP is not active");
export const tooManyWrong = () => new AppError("otp_too_many_wrong", "Wrong code too many times");
