/**
 * A circuit breaker for one webhook receiver (URL). After `failuresToOpen` failed posts in a row the
 * receiver is paused: nothing is posted to it until the pause ends, then a single post probes it. A probe
 * that succeeds closes the breaker; one that fails pauses the receiver again for twice as long (up to
 * `maxPauseMs`). Pure: the caller passes the time.
 */

export interface BreakerOptions {
  failuresToOpen: number;
  firstPauseMs: number;
  maxPauseMs: number;
}

export type BreakerState = "closed" | "open" | "half-open";

export class Breaker {
  private failures = 0;
  /** Pauses since the breaker last closed; the next pause is firstPauseMs × 2^pauses. */
  private pauses = 0;
  private openUntil = 0;
  private lastError = "";

  constructor(private readonly options: BreakerOptions) {}

  state(now: number): BreakerState {
    if (this.pauses === 0) return "closed";
    return now < this.openUntil ? "open" : "half-open";
  }

  /** How many posts may be in flight to this receiver now, given its budget when healthy. */
  allowance(now: number, budget: number): number {
    const state = this.state(now);
    return state === "closed" ? budget : state === "half-open" ? 1 : 0;
  }

  /** No failure since the last success: nothing about this receiver needs remembering. */
  get clean(): boolean {
    return this.failures === 0 && this.pauses === 0;
  }

  /** When the current pause ends (meaningful while open). */
  get pausedUntil(): number {
    return this.openUntil;
  }

  /** Why the receiver is paused: the failures in a row and the last one's error. */
  get reason(): string {
    return `${this.failures} failed posts in a row, last: ${this.lastError}`;
  }

  /** A post succeeded. True when this ends a pause (the receiver recovered). */
  succeeded(): boolean {
    const wasPaused = this.pauses > 0;
    this.failures = 0;
    this.pauses = 0;
    this.openUntil = 0;
    return wasPaused;
  }

  /**
   * A post failed. Returns the end of the pause when this failure opens (or re-opens) the breaker. Failures
   * of posts that started before the pause began do not lengthen it.
   */
  failed(now: number, error: string): number | undefined {
    this.failures++;
    this.lastError = error;
    const state = this.state(now);
    if (state === "open") return undefined;
    if (state === "closed" && this.failures < this.options.failuresToOpen) return undefined;
    const pause = Math.min(this.options.maxPauseMs, this.options.firstPauseMs * 2 ** this.pauses);
    this.pauses++;
    this.openUntil = now + pause;
    return this.openUntil;
  }
}
