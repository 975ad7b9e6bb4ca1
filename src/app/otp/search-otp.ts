/** GET /otp/search: one OTP of the caller's account with every check made against it. */
import type { AccountProfile, OtpCheck, OtpRecord } from "../../store/ports/index.js";
import type { AppDeps } from "../deps.js";
import { loadOtp } from "./load-otp.js";

export async function searchOtp(
  deps: AppDeps,
  account: AccountProfile,
  otpId: string,
): Promise<{ otp: OtpRecord; checks: OtpCheck[] }> {
  const otp = await loadOtp(deps, account.id, otpId);
  return { otp, checks: await deps.store.otp.checks(otp.id) };
}
