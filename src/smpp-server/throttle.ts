/**
 * Per-account submit rate: a token bucket that answers at once (a customer over its rate gets
 * ESME_RTHROTTLED, not a slow answer). The client's RateLimiter waits instead, which suits a sender only.
 */
export class AccountThrottle {
  readonly #buckets = new Map<number, { tokens: number; at: number }>();

  /** ratePerSecond 0 = no limit. */
  constructor(
    private readonly ratePerSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** True if the account may submit one more message now. */
  take(accountId: number): boolean {
    if (this.ratePerSecond <= 0) return true;
    const now = this.now();
    const bucket = this.#buckets.get(accountId) ?? { tokens: this.ratePerSecond, at: now };
    bucket.tokens = Math.min(
      this.ratePerSecond,
      bucket.tokens + ((now - bucket.at) / 1000) * this.ratePerSecond,
    );
    bucket.at = now;
    this.#buckets.set(accountId, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
