import type { FinalOtpStatus, OtpLimits, OtpStatus } from "../../core/otp.js";

export interface OtpRecord {
  /** UUID, the otp_id clients see. */
  id: string;
  accountId: number;
  /** E.164 destination. */
  phone: string;
  /** The `from` the SMS was sent with (sender ID or number). */
  sender: string;
  /** "" when the request had none. */
  brand: string;
  /** HMAC of the code (core/otp.ts hashCode); the code itself is never stored. */
  codeHash: string;
  status: OtpStatus;
  /** Wrong codes so far. */
  attempts: number;
  /** Unix ms. */
  createdAt: number;
  expiresAt: number;
  lastCheckAt: number | null;
  /** When it reached its final status. */
  finishedAt: number | null;
  /** The SMS that carried the code. */
  messageUuid: string;
}

/** One verification check, as GET /otp/search lists it. */
export interface OtpCheck {
  /** Unix ms. */
  checkedAt: number;
  /** The code that was tried, canonical decimal (see core/otp.ts parseTriedCode). */
  code: string;
  valid: boolean;
}

export interface OtpReserveRules {
  now: number;
  /**
   * Refuse when an active OTP to the same number was created after this (unix ms); 30 s exactly is fine.
   * An active OTP to the same number created at or before it is replaced: cancelled in the same
   * transaction, so a number never has two OTPs in progress.
   */
  sameNumberSince: number;
  maxActive: number;
}

/**
 * `in_flight`: another create to the same number holds a reservation whose SMS is not stored yet (a
 * concurrent request); `same_number`: an active OTP to it was created within the window.
 */
export type ReserveOutcome = "reserved" | "same_number" | "in_flight" | "concurrent_limit";

export interface OtpStore {
  /**
   * Inserts an OTP in progress unless a limit forbids it, replacing an older one to the same number (see
   * OtpReserveRules); the checks and the insert are serialised per account, so concurrent creates cannot
   * both take the last free slot.
   */
  reserve(otp: OtpRecord, rules: OtpReserveRules): Promise<ReserveOutcome>;
  /** Removes a reservation whose SMS was refused (e.g. no funds), as if it had never been created. */
  remove(id: string): Promise<void>;
  get(accountId: number, id: string): Promise<OtpRecord | undefined>;
  checks(id: string): Promise<OtpCheck[]>;
  /**
   * Moves an OTP from in_progress with exactly `seenAttempts` wrong codes to `next`, and records the
   * check, as one conditional update. False when anything changed since it was read (another check, a
   * cancel, expiry): the caller re-reads and decides again.
   */
  recordCheck(
    id: string,
    seenAttempts: number,
    next: { status: OtpStatus; attempts: number },
    check: OtpCheck,
  ): Promise<boolean>;
  /** in_progress → `status` (cancelled, or expired once `now` is past expiry); false if it was not in progress. */
  finish(id: string, status: Extract<FinalOtpStatus, "cancelled" | "expired">, now: number): Promise<boolean>;
  /** Takes one verify call from the account's quota for `day`; false when the quota is used up. */
  takeVerifyQuota(accountId: number, day: string, quota: number): Promise<boolean>;
  /** The account's own limits; absent fields fall back to the defaults. */
  getLimits(accountId: number): Promise<Partial<OtpLimits>>;
  setLimits(accountId: number, limits: Partial<OtpLimits>): Promise<void>;
}
