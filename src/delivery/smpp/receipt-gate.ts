/**
 * A receipt can overtake the submit it reports on: on a separate receiver bind, or simply because submit()
 * for a multipart message resolves only after its last part's response. A receipt emitted then would name an
 * SMSC id the dispatcher has not stored yet. The gate holds such receipts until the submit resolves (or
 * `holdMs` passes) and lets every other receipt through at once.
 */
const RECENT_LIMIT = 50_000;

export class ReceiptGate {
  /** Ids answered in a submit_sm_resp whose submit() has not resolved yet. */
  readonly #unresolved = new Set<string>();
  /** Ids whose submit() resolved lately: their receipts need no waiting. Insertion-ordered, trimmed. */
  readonly #recent = new Set<string>();
  /** Held receipts by SMSC id, each as the function that emits it. */
  readonly #held = new Map<string, { releases: (() => void)[]; timer: NodeJS.Timeout }>();
  #requestsInFlight = 0;

  constructor(private readonly holdMs: number) {}

  requestSent(): void {
    this.#requestsInFlight++;
  }

  /** A submit_sm got its answer; `smscId` when it was accepted. */
  responseReceived(smscId: string | undefined): void {
    this.#requestsInFlight = Math.max(0, this.#requestsInFlight - 1);
    if (smscId !== undefined) this.#unresolved.add(smscId);
  }

  /** submit() resolved with these ids: their held receipts go out after the caller's continuation ran. */
  submitResolved(smscIds: readonly string[]): void {
    for (const id of smscIds) {
      this.#unresolved.delete(id);
      this.#recent.add(id);
      if (this.#recent.size > RECENT_LIMIT) this.#recent.delete(this.#recent.values().next().value as string);
    }
    setImmediate(() => {
      for (const id of smscIds) this.#release(id);
    });
  }

  /** Calls `release` (which emits the receipt for `smscId`) now, or once it is safe to. */
  offer(smscId: string, release: () => void): void {
    const id = smscId;
    const mayBeInFlight =
      this.#unresolved.has(id) || (!this.#recent.has(id) && this.#requestsInFlight > 0) || this.#held.has(id);
    if (!mayBeInFlight || this.holdMs <= 0) {
      release();
      return;
    }
    const held = this.#held.get(id);
    if (held) {
      held.releases.push(release);
      return;
    }
    const timer = setTimeout(() => this.#release(id), this.holdMs);
    this.#held.set(id, { releases: [release], timer });
  }

  /** Emits everything still held (on stop: late is better than lost). */
  flush(): void {
    for (const id of [...this.#held.keys()]) this.#release(id);
    this.#requestsInFlight = 0;
  }

  #release(id: string): void {
    const held = this.#held.get(id);
    if (!held) return;
    clearTimeout(held.timer);
    this.#held.delete(id);
    for (const release of held.releases) release();
  }
}
