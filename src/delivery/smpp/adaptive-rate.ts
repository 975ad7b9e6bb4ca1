/**
 * The submit rate an SMSC accepts, learnt from its answers. Pure: time comes in as arguments.
 *
 * SMSCs count their limits per second, so answers are judged in epochs of about a second (longer when
 * fewer than MIN_ANSWERS came, so one answer at 1/s is not a verdict):
 * - an epoch without ESME_RTHROTTLED raises the pace by a fifth (at least 1/s), up to the configured limit;
 * - an epoch with throttling lowers it to a little under the rate the SMSC accepted in that epoch
 *   (multiplicative decrease to the measured capacity, not a blind halving);
 * - unless the throttling does not follow the pace: when, after a decrease, the throttled share of answers
 *   stays about the same, the SMSC throttles a share of submits whatever the pace (every Nth submit, as
 *   many do). Slowing down further would only lose throughput, so that share is tolerated and the pace
 *   grows again; a share well above it is a rate limit again and lowers the pace.
 * An unpaced connector (no configured limit) has no rate to lower yet: its first throttle halves the rate
 * it was sending at, and the epochs take over from there.
 */
const EPOCH_MS = 1000;
/** An epoch with fewer answers than MIN_ANSWERS runs on, up to this long. */
const MAX_EPOCH_MS = 5000;
const MIN_ANSWERS = 5;
const FLOOR_PER_SECOND = 1;
const GROWTH = 0.2;
/** Lower the pace to this fraction of the accepted rate, to leave room under the limit. */
const DECREASE_MARGIN = 0.95;
/** After a decrease, a throttled share at least this fraction of the one before says the pace was not the cause. */
const SAME_SHARE = 0.75;
/**
 * Only a decrease this large (the throttled share that caused it) can show that the pace does not matter; after a
 * small one the share may stay because the pace still is a little too high.
 */
const MIN_JUDGED_SHARE = 0.15;
/** A tolerated share may wobble this much (factor, plus an absolute slack) before it counts as a limit again. */
const TOLERANCE_FACTOR = 1.5;
const TOLERANCE_SLACK = 0.02;
/** Above this an unlimited connector that recovered is unlimited again. */
const UNLIMITED_AGAIN = 100_000;

export type RateVerdict = "steady" | "lowered";

export class AdaptiveRate {
  readonly #limit: number;
  #rate: number;
  #epochStart: number;
  #accepted = 0;
  #throttled = 0;
  /** Answers to submits sent before this are news about a pace we no longer use. */
  #lastDecrease = Number.NEGATIVE_INFINITY;
  /** The throttled share that caused the last decrease, until the next epoch judges whether the pace mattered. */
  #shareBeforeDecrease: number | undefined;
  /** A throttled share the SMSC applies whatever the pace. */
  #toleratedShare = 0;

  /** limitPerSecond: Infinity = no limit of our own. */
  /** pauseMs: after lowering, the caller sends nothing this long; the next epoch starts after it. */
  constructor(
    limitPerSecond: number,
    now: number,
    private readonly pauseMs = 0,
  ) {
    this.#limit = limitPerSecond > 0 ? limitPerSecond : Number.POSITIVE_INFINITY;
    this.#rate = this.#limit;
    this.#epochStart = now;
  }

  get rate(): number {
    return this.#rate;
  }

  /** The throttled share currently taken as the SMSC's background throttling (0 = none). */
  get toleratedShare(): number {
    return this.#toleratedShare;
  }

  /**
   * An answer to a submit sent at `sentAt`. `sendRate` is what we were sending per second lately (used only
   * for the first throttle of an unpaced connector). "lowered" means the caller should pause.
   */
  answer(sentAt: number, throttled: boolean, now: number, sendRate: () => number): RateVerdict {
    if (sentAt < this.#lastDecrease) return "steady";
    if (throttled && this.#rate === Number.POSITIVE_INFINITY) {
      this.#lower(Math.max(FLOOR_PER_SECOND, sendRate() / 2), undefined, now);
      return "lowered";
    }
    if (throttled) this.#throttled++;
    else this.#accepted++;
    return this.tick(now);
  }

  /** Closes the epoch when it is due (also called while idle, so the pace recovers with time). */
  tick(now: number): RateVerdict {
    const elapsed = now - this.#epochStart;
    const answers = this.#accepted + this.#throttled;
    if (elapsed < EPOCH_MS || (answers < MIN_ANSWERS && elapsed < MAX_EPOCH_MS)) return "steady";
    const share = answers > 0 ? this.#throttled / answers : 0;
    const acceptedPerSecond = (this.#accepted * 1000) / elapsed;
    const judged = this.#shareBeforeDecrease;
    this.#shareBeforeDecrease = undefined;
    this.#startEpoch(now);
    const seconds = Math.floor(elapsed / EPOCH_MS);
    if (share === 0) {
      // clean (or idle: nothing learnt, so recover with time as if every second had been clean)
      this.#toleratedShare = 0;
      this.#grow(seconds);
      return "steady";
    }
    if (judged !== undefined && share >= judged * SAME_SHARE) {
      this.#toleratedShare = share;
      this.#grow(seconds);
      return "steady";
    }
    if (share <= this.#toleratedShare * TOLERANCE_FACTOR + TOLERANCE_SLACK) {
      this.#grow(seconds);
      return "steady";
    }
    this.#toleratedShare = 0;
    const judge = share >= MIN_JUDGED_SHARE ? share : undefined;
    this.#lower(Math.max(FLOOR_PER_SECOND, acceptedPerSecond * DECREASE_MARGIN), judge, now);
    return "lowered";
  }

  #lower(rate: number, share: number | undefined, now: number): void {
    this.#rate = Math.min(this.#rate, rate);
    this.#shareBeforeDecrease = share;
    this.#lastDecrease = now;
    this.#startEpoch(now + this.pauseMs);
  }

  #grow(epochs: number): void {
    for (let i = 0; i < Math.min(epochs, 200) && this.#rate < this.#limit; i++) {
      this.#rate = Math.min(this.#limit, this.#rate + Math.max(1, this.#rate * GROWTH));
    }
    if (this.#limit === Number.POSITIVE_INFINITY && this.#rate > UNLIMITED_AGAIN) this.#rate = this.#limit;
  }

  #startEpoch(now: number): void {
    this.#epochStart = now;
    this.#accepted = 0;
    this.#throttled = 0;
  }
}
