/** OTP settings a use case needs: the code-hash key, the lifetime, and an account's effective limits. */
import { randomBytes } from "node:crypto";
import { DEFAULT_OTP_LIMITS, type OtpLimits } from "../../core/otp.js";
import { AppError } from "../../errors.js";
import type { Store } from "../../store/ports/index.js";
import type { AppDeps } from "../deps.js";

export const DEFAULT_OTP_TTL_SECONDS = 600;
/** Keys of processes whose deps carry none (tests): one per store, in memory only, never stored. */
const ownKeys = new WeakMap<Store, string>();

/** Every key a stored code hash may have been made with, the current one first (see app/otp-hash-keys.ts). */
export function otpHashKeys(deps: AppDeps): readonly string[] {
  const keys = deps.otp?.hashKeys?.all;
  if (keys && keys.length > 0) return keys;
  let own = ownKeys.get(deps.store);
  if (!own) {
    own = randomBytes(32).toString("hex");
    ownKeys.set(deps.store, own);
  }
  return [own];
}

/** The key new codes are hashed with. */
export async function otpHashKey(deps: AppDeps): Promise<string> {
  return otpHashKeys(deps)[0]!;
}

export const otpTtlMs = (deps: AppDeps) => (deps.otp?.ttlSeconds ?? DEFAULT_OTP_TTL_SECONDS) * 1000;

export async function otpLimitsOf(deps: AppDeps, accountId: number): Promise<OtpLimits> {
  return { ...DEFAULT_OTP_LIMITS, ...(await deps.store.otp.getLimits(accountId)) };
}

/** Operator action (CLI): sets an account's limits; returns the limits now in force. */
export async function setOtpLimits(
  deps: AppDeps,
  accountId: number,
  limits: Partial<OtpLimits>,
): Promise<OtpLimits> {
  if (!(await deps.store.accounts.get(accountId)))
    throw new AppError("not_found", `account ${accountId} not found`);
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1)
      throw new AppError("validation", `${name} must be a positive integer`);
  }
  await deps.store.otp.setLimits(accountId, limits);
  return otpLimitsOf(deps, accountId);
}
