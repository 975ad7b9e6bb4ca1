/** Work the simulator does later (delayed answers, receipts, retries); close() cancels it all and refuses more. */
export class Timers {
  readonly #pending = new Set<NodeJS.Timeout>();
  #closed = false;

  later(ms: number, fn: () => void): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#pending.delete(timer);
      fn();
    }, ms);
    this.#pending.add(timer);
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#pending) clearTimeout(timer);
    this.#pending.clear();
  }
}
