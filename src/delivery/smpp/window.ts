/**
 * The SMPP window: at most `size` requests sent and not yet answered. Callers beyond that wait in FIFO
 * order; when the connection goes away every waiter is released with `false` so nothing waits forever.
 */
export class RequestWindow {
  #inFlight = 0;
  readonly #waiters: ((granted: boolean) => void)[] = [];

  constructor(readonly size: number) {}

  get inFlight(): number {
    return this.#inFlight;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  /** Resolves true with a slot held (give it back with release()), or false if rejectWaiting() ran first. */
  acquire(): Promise<boolean> {
    if (this.#inFlight < this.size && this.#waiters.length === 0) {
      this.#inFlight++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  release(): void {
    const next = this.#waiters.shift();
    if (next)
      next(true); // the slot passes straight to the next waiter
    else this.#inFlight = Math.max(0, this.#inFlight - 1);
  }

  rejectWaiting(): void {
    for (const waiter of this.#waiters.splice(0)) waiter(false);
  }
}
