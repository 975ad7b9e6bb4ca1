/** Exponential reconnect delay between minMs and maxMs, with jitter so many connectors do not retry in step. */
export class Backoff {
  #attempt = 0;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; each call doubles the base, up to maxMs. */
  next(): number {
    const base = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.#attempt, 30));
    this.#attempt++;
    return Math.max(this.minMs, Math.round(base * (0.8 + 0.2 * this.random())));
  }

  reset(): void {
    this.#attempt = 0;
  }
}
