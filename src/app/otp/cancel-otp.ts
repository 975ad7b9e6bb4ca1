/** POST /otp/cancel: in_progress → cancelled, as one conditional update racing fairly with verifies. */
import type { AccountProfile } from "../../store/ports/index.js";
import type { AppDeps } from "../deps.js";
import { loadOtp, notActive } from "./load-otp.js";

export async function cancelOtp(deps: AppDeps, account: AccountProfile, otpId: string): Promise<void> {
  // A lost race means a verify (or expiry) finished the OTP first; the next read says which.
  for (let round = 0; round < 8; round++) {
    const otp = await loadOtp(deps, account.id, otpId);
    // The seed lists only 404 and 422 for cancel, so a failed OTP is simply "not active" here.
    if (otp.status !== "in_progress") throw notActive();
    if (await deps.store.otp.finish(otp.id, "cancelled", deps.clock.now())) return;
  }
  throw notActive();
}
