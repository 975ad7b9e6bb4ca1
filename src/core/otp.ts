/**
 * One-time password rules, pure: code generation, the keyed hash the code is stored as, the status
 * machine, and the limits. No I/O; the app layer applies these decisions to the store.
 */
import { createHmac, randomInt, timingSafeEqual } from "node:crypto";
import { isGsm7 } from "./encoding/index.js";

export const OTP_STATUSES = ["in_progress", "approved", "failed", "cancelled", "expired"] as const;
export type OtpStatus = (typeof OTP_STATUSES)[number];
/** Every status but in_progress is final: nothing moves an OTP out of it again. */
export type FinalOtpStatus = Exclude<OtpStatus, "in_progress">;

/** FullSMS: "You can run a verification check on a specific OTP_ID up to 3 times, and then it is set to FAILED". */
export const MAX_WRONG_ATTEMPTS = 3;
/** FullSMS: a second OTP to the same number waits 30 s after an active one was created. */
export const SAME_NUMBER_WINDOW_MS = 30_000;

export interface OtpLimits {
  /** OTPs in progress at the same time, per account. */
  maxActive: number;
  /** Verify calls per UTC day, per account. */
  dailyQuota: number;
}

/** Safe defaults, overridable per account (`starling otp limits`). */
export const DEFAULT_OTP_LIMITS: OtpLimits = { maxActive: 10, dailyQuota: 1000 };

/** Brand limits of the seed: 50 characters when GSM 03.38 can carry it, 12 otherwise (UCS-2 is costly). */
export const BRAND_MAX_GSM = 50;
export const BRAND_MAX_UNICODE = 12;

/**
 * A 6-digit code from the OS's cryptographic generator. The first digit is never 0: FullSMS sends and
 * shows codes as JSON integers, and a leading zero would not survive that round trip ("012345" → 12345).
 * The cost is 900,000 codes instead of 1,000,000, a tenth of a digit of entropy.
 */
export function generateCode(random: (min: number, max: number) => number = randomInt): string {
  return String(random(100_000, 1_000_000));
}

/**
 * The stored form of a code: HMAC-SHA256 under a server key, bound to the OTP id. With the key kept out
 * of the table, a stolen table cannot be brute-forced offline (10^6 codes hash in milliseconds), and the
 * id binding makes equal codes of different OTPs hash differently.
 */
export function hashCode(key: Buffer | string, otpId: string, code: string): string {
  return createHmac("sha256", key).update(`${otpId}:${code}`).digest("hex");
}

/** Compares in constant time, so response timing does not tell how many leading hash bytes matched. */
export function codeMatches(key: Buffer | string, otpId: string, tried: string, storedHash: string): boolean {
  const expected = Buffer.from(storedHash, "hex");
  const actual = Buffer.from(hashCode(key, otpId, tried), "hex");
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * A tried code as the seed allows it: an integer (`"code": 626262`) or the same digits as a string.
 * Returns its canonical decimal form, or null when it cannot be a code at all (not counted as an attempt).
 */
export function parseTriedCode(input: unknown): string | null {
  if (typeof input === "number") {
    return Number.isSafeInteger(input) && input >= 0 && input <= 999_999 ? String(input) : null;
  }
  if (typeof input === "string" && /^\d{1,6}$/.test(input.trim())) return String(Number(input.trim()));
  return null;
}

/**
 * The SMS: short, recognisable as a verification message, and always one part (see brandProblem). A brand
 * that already begins with "Your" (the FullSMS example's "Your Brand") is not given a second one.
 */
export function otpText(code: string, brand: string): string {
  if (!brand) return `Your verification code is ${code}`;
  return /^your\b/i.test(brand) ? `${brand} verification code is ${code}` : `Your ${brand} verification code is ${code}`;
}

/** Why a brand cannot be used, or null. Line breaks would let a brand forge the rest of the message. */
export function brandProblem(brand: string): string | null {
  if (/[\u0000-\u001f\u007f]/.test(brand)) return "control characters";
  const length = [...brand].length;
  const max = isGsm7(brand) ? BRAND_MAX_GSM : BRAND_MAX_UNICODE;
  return length > max ? `longer than ${max} characters` : null;
}

/** The facts a decision needs about a stored OTP. */
export interface OtpState {
  status: OtpStatus;
  attempts: number;
  /** Unix ms. */
  expiresAt: number;
}

/** The status as of `now`: an OTP in progress past its expiry is expired (persisted by the caller). */
export function statusAt(otp: OtpState, now: number): OtpStatus {
  return otp.status === "in_progress" && now >= otp.expiresAt ? "expired" : otp.status;
}

export const isActive = (otp: OtpState, now: number) => statusAt(otp, now) === "in_progress";

/** What a check of an active OTP does to it. */
export type CheckOutcome =
  | { result: "approved"; next: { status: "approved"; attempts: number } }
  | { result: "wrong"; next: { status: "in_progress"; attempts: number } }
  /** The last allowed wrong code: the OTP fails; this check is still answered as a wrong code. */
  | { result: "failed"; next: { status: "failed"; attempts: number } };

export function decideCheck(otp: OtpState, matches: boolean): CheckOutcome {
  if (matches) return { result: "approved", next: { status: "approved", attempts: otp.attempts } };
  const attempts = otp.attempts + 1;
  return attempts >= MAX_WRONG_ATTEMPTS
    ? { result: "failed", next: { status: "failed", attempts } }
    : { result: "wrong", next: { status: "in_progress", attempts } };
}

/** The UTC day a verify call counts against ("2024-05-01"). */
export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
