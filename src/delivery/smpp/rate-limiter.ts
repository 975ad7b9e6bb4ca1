/**
 * Submit pacing: a token bucket (GCRA form: each caller reserves the next free slot, so callers go in FIFO
 * order with one timer each) at the rate adaptive-rate.ts learns from the SMSC's answers: lowered to what
 * the SMSC accepts when it answers ESME_RTHROTTLED (with a pause), raised again while it does not.
 */
import { AdaptiveRate } from "./adaptive-rate.js";

export class RateLimiter {
  readonly #adaptive: AdaptiveRate;
  #tat = 0;
  #pauseUntil = 0;
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
    this.#adaptive = new AdaptiveRate(ratePerSecond, now(), pauseMs);
  }

  /** Current allowed rate per second (Infinity = unlimited). */
  get rate(): number {
    return this.#adaptive.rate;
  }

  /** Resolves when this caller may send. cancel() wakes every waiter early. */
  async take(): Promise<void> {
    for (;;) {
      const now = this.now();
      this.#adaptive.tick(now);
      const wait = this.#reserve(now);
      if (wait <= 0) break;
      const cancelled = await this.#sleep(wait);
      if (cancelled || this.now() >= this.#pauseUntil) break;
      // throttled while we slept: take a new place behind the pause
    }
    this.#countSend(this.now());
  }

  /** The SMSC answered a submit sent at `sentAt` (throttled = ESME_RTHROTTLED, any other status = not). */
  answered(sentAt: number, throttled: boolean): void {
    const now = this.now();
    const verdict = this.#adaptive.answer(sentAt, throttled, now, () => Math.max(1, this.#observedRate(now)));
    if (verdict !== "lowered") return;
    this.#pauseUntil = Math.max(this.#pauseUntil, now + this.pauseMs);
    this.#tat = Math.max(this.#tat, this.#pauseUntil);
  }

  /** ESME_RTHROTTLED to a submit sent at `sentAt`. */
  throttled(sentAt: number = this.now()): void {
    this.answered(sentAt, true);
  }

  cancel(): void {
    for (const sleeper of [...this.#sleepers]) sleeper.wake();
  }

  #reserve(now: number): number {
    const start = Math.max(now, this.#pauseUntil);
    const rate = this.#adaptive.rate;
    if (rate === Number.POSITIVE_INFINITY) return start - now;
    const interval = 1000 / rate;
    const tolerance = (Math.max(1, rate / 10) - 1) * interval; // a burst of a tenth of a second
    const slot = Math.max(start, this.#tat - tolerance);
    this.#tat = Math.max(this.#tat, slot) + interval;
    return slot - now;
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
