/** Storage for safe sending: idempotency keys with their stored answers, and the anti-pumping rules' data. */

/** A stored answer, replayed byte for byte. */
export interface StoredResponse {
  status: number;
  contentType: string;
  body: string;
}

export interface IdempotencyClaim {
  accountId: number;
  key: string;
  /** Hash of what makes two requests "the same" (method, route, body). */
  fingerprint: string;
  now: number;
  /** When the key may be purged (unix ms). */
  expiresAt: number;
  /** An in-flight claim older than this (unix ms) was abandoned by a crashed process and may be taken over. */
  abandonedBefore: number;
}

export type ClaimOutcome =
  | { kind: "claimed" }
  | { kind: "replay"; response: StoredResponse }
  | { kind: "mismatch" }
  | { kind: "in_flight" };

export interface IdempotencyStore {
  /**
   * Claims the key for a request, atomically: only one of any number of concurrent claims is "claimed";
   * the others learn what the key holds. An expired key counts as absent.
   */
  claim(claim: IdempotencyClaim): Promise<ClaimOutcome>;
  /** Stores the first answer; the key then replays it until it expires. */
  complete(accountId: number, key: string, response: StoredResponse): Promise<void>;
  /** Gives the key up (the request changed nothing), so the same key may be sent again. */
  release(accountId: number, key: string): Promise<void>;
  /** Deletes keys whose window has passed; returns how many. */
  purge(now: number): Promise<number>;
}

/** An account's own anti-pumping settings; null = the gateway's default. */
export interface FraudSettings {
  /** ISO 3166 alpha-2 codes, or ["*"] for every destination. */
  countries: string[] | null;
  /** Transactional messages per velocity window, account-wide and per destination prefix. */
  accountLimit: number | null;
  prefixLimit: number | null;
}

export interface RefusalCount {
  rule: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  count: number;
  lastAt: number;
  lastDetail: string;
}

export interface PrefixConversion {
  prefix: string;
  created: number;
  verified: number;
}

export interface FraudStore {
  getSettings(accountId: number): Promise<FraudSettings>;
  setSettings(accountId: number, patch: Partial<FraudSettings>): Promise<void>;
  /** Adds refusal counts (already summed per account, rule and day) in one write. */
  addRefusals(
    counts: {
      accountId: number;
      rule: string;
      day: string;
      count: number;
      lastAt: number;
      lastDetail: string;
    }[],
  ): Promise<void>;
  refusals(accountId: number, sinceDay: string): Promise<RefusalCount[]>;
  /** Adds `by` (1, or -1 to take one back) to the account's OTPs created or verified for a prefix and bucket. */
  countOtp(
    accountId: number,
    prefix: string,
    bucket: number,
    what: "created" | "verified",
    by: number,
  ): Promise<void>;
  /** The account's OTPs to a prefix in buckets from `sinceBucket` on, and how many were verified. */
  otpConversion(
    accountId: number,
    prefix: string,
    sinceBucket: number,
  ): Promise<{ created: number; verified: number }>;
  /** The same per prefix, busiest first (for the operator's status). */
  otpConversionByPrefix(accountId: number, sinceBucket: number, limit: number): Promise<PrefixConversion[]>;
  /** Drops buckets before `before`; returns how many. */
  purgeOtpConversion(before: number): Promise<number>;
}
