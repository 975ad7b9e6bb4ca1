/** OTP settings a use case needs: the code-hash key, the lifetime, and an account's effective limits. */
import { randomBytes } from "node:crypto";
import { DEFAULT_OTP_LIMITS, type OtpLimits } from "../../core/otp.js";
import { AppError } from "../../errors.js";
import type { Store } from "../../store/ports/index.js";
import type { AppDeps } from "../deps.js";

export const DEFAULT_OTP_TTL_SECONDS = 600;
const HASH_KEY_SETTING = "otp_hash_key";

const generatedKeys = new WeakMap<Store, Promise<string>>();

/**
 * The HMAC key for codes: the configured one, else a random key generated once and kept in the store's
 * settings (so every gateway process sharing the store agrees, and restarts do not void live OTPs).
 * Kept apart from the otps table on purpose: a leaked OTP table alone does not allow guessing codes.
 */
export function otpHashKey(deps: AppDeps): Promise<string> {
  const configured = deps.otp?.hashKey;
  if (configured) return Promise.resolve(configured);
  let key = generatedKeys.get(deps.store);
  if (!key) {
    key = deps.store.settings.setIfAbsent(HASH_KEY_SETTING, randomBytes(32).toString("hex"));
    // A failed read must not be cached forever.
    key.catch(() => generatedKeys.delete(deps.store));
    generatedKeys.set(deps.store, key);
  }
  return key;
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
