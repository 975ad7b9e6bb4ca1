/**
 * Late receipts: a message the SMSC accepted whose receipt has not come after `afterMs` is asked about
 * (query_sm), and a final answer is applied as if the receipt had come. Receipts get lost (an SMSC that
 * restarted, a receipt given up after its retries, a bind that was down too long); without asking, such a
 * message would sit en route until its validity period ends and then be reported expired.
 *
 * A part is asked again while it stays en route, at growing intervals (after `afterMs`, then after as long
 * again as it had waited at the last question), so a handset that is off for a day costs a few questions.
 */
import type { Logger } from "pino";
import type { Clock } from "../app/deps.js";
import type { PartState } from "../core/delivery-state.js";
import type { EnRoutePart, Store } from "../store/ports/index.js";
import type { Connector, ReceiptState } from "./connector.js";

export interface EnRouteQueryOptions {
  /** Ask about a part once it has been en route this long. */
  afterMs: number;
  /** Parts older than this have expired (or will at the next maintenance): not asked. */
  validityMs: number;
  /** Parts read per page, and questions in flight at most. */
  pageSize?: number;
  concurrency?: number;
  /** Questions per pass at most; what is left is asked in the next pass. */
  maxPerPass?: number;
}

export interface EnRouteQueryDeps {
  store: Store;
  clock: Clock;
  connectors: ReadonlyMap<string, Connector>;
  log: Logger;
}

const FINAL: readonly ReceiptState[] = ["DELIVRD", "EXPIRED", "DELETED", "UNDELIV", "REJECTD"];

export interface PassResult {
  asked: number;
  resolved: number;
  unknown: number;
  failed: number;
}

export class EnRouteQuery {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  /** When each part was last asked about (key: connector + SMSC id). */
  readonly #asked = new Map<string, number>();

  constructor(
    private readonly deps: EnRouteQueryDeps,
    private readonly options: EnRouteQueryOptions,
  ) {}

  /** Passes every half `afterMs` (at least a second, at most a minute). */
  start(): void {
    const every = Math.min(60_000, Math.max(1000, Math.floor(this.options.afterMs / 2)));
    this.#timer = setInterval(() => {
      if (!this.#running) this.#running = this.pass().finally(() => (this.#running = undefined));
    }, every);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }

  /** One pass over the parts en route long enough; returns what it did. Never rejects. */
  async pass(): Promise<PassResult> {
    const result: PassResult = { asked: 0, resolved: 0, unknown: 0, failed: 0 };
    const { store, clock, log } = this.deps;
    const { afterMs, validityMs, pageSize = 200, concurrency = 10, maxPerPass = 2000 } = this.options;
    try {
      const now = clock.now();
      this.#forget(now - validityMs);
      let cursor: EnRoutePart | undefined;
      while (result.asked < maxPerPass) {
        const page = await store.delivery.enRouteParts(now - validityMs, now - afterMs, pageSize, cursor);
        if (page.length === 0) break;
        cursor = page[page.length - 1];
        const due = page.filter((part) => this.#due(part, now)).slice(0, maxPerPass - result.asked);
        for (let i = 0; i < due.length; i += concurrency) {
          await Promise.all(due.slice(i, i + concurrency).map((part) => this.#ask(part, result)));
        }
        if (page.length < pageSize) break;
      }
    } catch (error) {
      log.error({ err: error }, "asking the SMSC about late receipts failed");
    }
    if (result.asked > 0) log.info(result, "asked the SMSC about messages whose receipt is late");
    return result;
  }

  #due(part: EnRoutePart, now: number): boolean {
    const connector = this.deps.connectors.get(part.connectorId);
    if (!connector?.query || !connector.isUp()) return false;
    const last = this.#asked.get(key(part));
    if (last === undefined) return true;
    return now - last >= Math.max(this.options.afterMs, last - part.submittedAt);
  }

  async #ask(part: EnRoutePart, result: PassResult): Promise<void> {
    const connector = this.deps.connectors.get(part.connectorId);
    if (!connector?.query) return;
    const { clock, store, log } = this.deps;
    this.#asked.set(key(part), clock.now());
    result.asked++;
    const answer = await connector.query(part.smscId, part.source);
    if (answer.kind === "failed") {
      result.failed++;
      log.debug({ part, reason: answer.reason }, "query_sm failed");
      return;
    }
    if (answer.kind === "unknown") {
      // It accepted the message, so it knew it; it forgot (or never kept) it. Expiry ends it in time.
      result.unknown++;
      log.warn({ part, reason: answer.reason }, "the SMSC does not know a message it accepted");
      return;
    }
    if (!FINAL.includes(answer.state)) return;
    const update = { connectorId: part.connectorId, smscId: part.smscId, state: answer.state as PartState };
    await store.delivery.applyReceipts(
      [answer.errorCode === undefined ? update : { ...update, errorCode: answer.errorCode }],
      clock.now(),
    );
    result.resolved++;
  }

  #forget(before: number): void {
    for (const [k, at] of this.#asked) if (at < before) this.#asked.delete(k);
  }
}

const key = (part: EnRoutePart) => `${part.connectorId}\u0000${part.smscId}`;
