/** Events per second over the last minute, in one-second buckets (cheap to count at gateway rates). */
export class RecentRate {
  readonly #buckets = new Array<number>(60).fill(0);
  #second = 0;

  constructor(private readonly now: () => number) {}

  add(n = 1): void {
    this.#advance();
    this.#buckets[this.#second % 60]! += n;
  }

  /** Average per second over the last 60 s. */
  perSecond(): number {
    this.#advance();
    return this.#buckets.reduce((a, b) => a + b, 0) / 60;
  }

  #advance(): void {
    const second = Math.floor(this.now() / 1000);
    if (second === this.#second) return;
    // Clear the buckets of the seconds that passed (all of them after a minute of silence).
    for (let s = Math.max(this.#second + 1, second - 59); s <= second; s++) this.#buckets[s % 60] = 0;
    this.#second = second;
  }
}
