/**
 * The SMPP window: at most `size` requests sent and not yet answered. Callers beyond that wait; when the
 * connection goes away every waiter is released with `false` so nothing waits forever.
 *
 * Two lanes, as production gateways keep them: `urgent` callers (transactional messages: OTPs) wait in a
 * queue of their own that is served first, and the last `reserved` slots are theirs alone, so a window
 * full of campaign submits still has room for an OTP at once. Within a lane, FIFO.
 */
export class RequestWindow {
  #inFlight = 0;
  readonly #urgent: ((granted: boolean) => void)[] = [];
  readonly #waiters: ((granted: boolean) => void)[] = [];

  constructor(
    readonly size: number,
    /** Slots only urgent callers may take (fewer than `size`). */
    readonly reserved = 0,
  ) {
    this.reserved = Math.max(0, Math.min(reserved, size - 1));
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get waiting(): number {
    return this.#urgent.length + this.#waiters.length;
  }

  /** Resolves true with a slot held (give it back with release()), or false if rejectWaiting() ran first. */
  acquire(urgent = false): Promise<boolean> {
    const free = urgent
      ? this.#urgent.length === 0 && this.#inFlight < this.size
      : this.waiting === 0 && this.#inFlight < this.size - this.reserved;
    if (free) {
      this.#inFlight++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => (urgent ? this.#urgent : this.#waiters).push(resolve));
  }

  release(): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    // The slot passes straight to the next waiter: urgent first, a bulk one only outside the reserve.
    const next =
      this.#urgent.shift() ??
      (this.#inFlight < this.size - this.reserved ? this.#waiters.shift() : undefined);
    if (next) {
      this.#inFlight++;
      next(true);
    }
  }

  rejectWaiting(): void {
    for (const waiter of [...this.#urgent.splice(0), ...this.#waiters.splice(0)]) waiter(false);
  }
}
