/**
 * Submit pacing: a token bucket (GCRA form: each caller reserves the next free slot, so callers go in FIFO
 * order with one timer each) plus slow-down on ESME_RTHROTTLED: pause, halve the rate, then recover by 25%
 * per second without further throttling, back up to the configured rate.
 */
const RECOVERY_STEP_MS = 1000;
const RECOVERY_FACTOR = 1.25;
/** Above this an unlimited connector that recovered is unlimited again. */
const UNLIMITED_AGAIN = 100_000;

export class RateLimiter {
  readonly #limit: number;
  #rate: number;
  #tat = 0;
  #pauseUntil = 0;
  #lastThrottle = Number.NEGATIVE_INFINITY;
  #lastRecovery = 0;
  #bucketStart = 0;
  #count = 0;
  #previousCount = 0;
  readonly #sleepers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();

  /** ratePerSecond 0 = no limit of our own. */
  constructor(
    ratePerSecond: number,
    private readonly pauseMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#limit = ratePerSecond > 0 ? ratePerSecond : Number.POSITIVE_INFINITY;
    this.#rate = this.#limit;
  }

  /** Current allowed rate per second (Infinity = unlimited). */
  get rate(): number {
    return this.#rate;
  }

  /** Resolves when this caller may send. cancel() wakes every waiter early. */
  async take(): Promise<void> {
    for (;;) {
      const now = this.now();
      this.#recover(now);
      const wait = this.#reserve(now);
      if (wait <= 0) break;
      const cancelled = await this.#sleep(wait);
      if (cancelled || this.now() >= this.#pauseUntil) break;
      // throttled while we slept: take a new place behind the pause
    }
    this.#countSend(this.now());
  }

  /**
   * The SMSC said ESME_RTHROTTLED to a request sent at `sentAt`. Answers to requests sent before the last
   * slow-down are stale news (a window's worth arrive together) and must not halve the rate again.
   */
  throttled(sentAt: number = this.now()): void {
    if (sentAt < this.#lastThrottle) return;
    const now = this.now();
    const observed = Math.max(1, this.#observedRate(now));
    this.#rate = Math.max(1, Math.min(this.#rate, observed) / 2);
    this.#pauseUntil = Math.max(this.#pauseUntil, now + this.pauseMs);
    this.#tat = Math.max(this.#tat, this.#pauseUntil);
    this.#lastThrottle = now;
    this.#lastRecovery = now;
  }

  cancel(): void {
    for (const sleeper of [...this.#sleepers]) sleeper.wake();
  }

  #reserve(now: number): number {
    const start = Math.max(now, this.#pauseUntil);
    if (this.#rate === Number.POSITIVE_INFINITY) return start - now;
    const interval = 1000 / this.#rate;
    const tolerance = (Math.max(1, this.#rate / 10) - 1) * interval; // a burst of a tenth of a second
    const slot = Math.max(start, this.#tat - tolerance);
    this.#tat = Math.max(this.#tat, slot) + interval;
    return slot - now;
  }

  #recover(now: number): void {
    if (this.#rate >= this.#limit || now - this.#lastThrottle < RECOVERY_STEP_MS) return;
    const steps = Math.floor((now - this.#lastRecovery) / RECOVERY_STEP_MS);
    if (steps <= 0) return;
    this.#rate = Math.min(this.#limit, this.#rate * RECOVERY_FACTOR ** steps);
    if (this.#limit === Number.POSITIVE_INFINITY && this.#rate > UNLIMITED_AGAIN) this.#rate = this.#limit;
    this.#lastRecovery = now;
  }

  #countSend(now: number): void {
    this.#roll(now);
    this.#count++;
  }

  /** Sends per second over roughly the last second (two one-second buckets, the older one weighted). */
  #observedRate(now: number): number {
    this.#roll(now);
    const fraction = (now - this.#bucketStart) / 1000;
    return this.#previousCount * (1 - fraction) + this.#count;
  }

  #roll(now: number): void {
    const elapsed = now - this.#bucketStart;
    if (elapsed < 1000) return;
    this.#previousCount = elapsed < 2000 ? this.#count : 0;
    this.#count = 0;
    this.#bucketStart = now - (elapsed % 1000);
  }

  #sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const sleeper = {
        timer: setTimeout(() => {
          this.#sleepers.delete(sleeper);
          resolve(false);
        }, ms),
        wake: () => {
          clearTimeout(sleeper.timer);
          this.#sleepers.delete(sleeper);
          resolve(true);
        },
      };
      this.#sleepers.add(sleeper);
    });
  }
}
