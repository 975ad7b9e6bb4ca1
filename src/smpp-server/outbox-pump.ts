/**
 * Sends what waits in the SMPP outbox (receipts, inbound messages) to receiving binds of its account.
 * At least once: an item is leased while its deliver_sm is out and removed only after an ESME_ROK
 * deliver_sm_resp; no answer or an error gives it back to be offered again (a new bind, a restart, or
 * another gateway process on the same database picks it up).
 */
import type { Logger } from "pino";
import type { AppDeps } from "../app/deps.js";
import { Status } from "../delivery/smpp/status.js";
import type { AlphabetOptions } from "../delivery/smpp/text-codec.js";
import type { SmppOutboxItem } from "../store/ports/index.js";
import { inboundPdus, receiptPdu } from "./outbox-pdus.js";
import type { CustomerSession } from "./session.js";

const POLL_MS = 250;
const BATCH = 200;
const PURGE_EVERY_MS = 60_000;
/** How often messages whose validity_period ended unsent are looked for. */
const EXPIRE_EVERY_MS = 1_000;
/** An item the ESME refused (or did not answer while bound) is offered again after this long. */
const RETRY_MS = 5_000;

export interface PumpParts {
  deps: AppDeps;
  log: Logger;
  alphabet: AlphabetOptions;
  responseTimeoutMs: number;
  /** A receiving bind of the account (round robin), or undefined. */
  receiverOf(accountId: number): CustomerSession | undefined;
  receivingAccounts(): number[];
}

type Outcome = "done" | "again" | "later";

export class OutboxPump {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #lastPurge = 0;
  #lastExpiry = 0;
  #stopped = false;
  /** Items whose deliver_sm is out; each is settled on its own, so one slow ESME holds up nobody else. */
  readonly #inFlight = new Set<number>();
  readonly #results: Record<Outcome, number[]> = { done: [], again: [], later: [] };
  #flushing: Promise<void> | undefined;
  #flushScheduled = false;

  constructor(private readonly p: PumpParts) {}

  start(): void {
    this.#timer = setInterval(() => this.poke(), POLL_MS);
    this.#timer.unref();
  }

  /** Look now (a bind appeared, something was queued). */
  poke(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#round()
      .catch((error) => this.p.log.error({ err: error }, "SMPP outbox round failed"))
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.poke();
        }
      });
  }

  /** Stops claiming; waits for the results of what is out to be recorded (close the binds first). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#running;
    while (this.#inFlight.size > 0 || this.#flushing || this.#flushScheduled) {
      await (this.#flushing ?? new Promise((resolve) => setTimeout(resolve, 10)));
    }
  }

  async #round(): Promise<void> {
    const { deps } = this.p;
    const now = deps.clock.now();
    if (now - this.#lastPurge > PURGE_EVERY_MS) {
      this.#lastPurge = now;
      await deps.store.smppServer.purge(now);
    }
    if (now - this.#lastExpiry > EXPIRE_EVERY_MS) {
      this.#lastExpiry = now;
      const expired = await deps.store.smppServer.expireUnsent(now, 500);
      if (expired > 0) this.p.log.info({ expired }, "SMPP messages expired unsent (validity_period)");
    }
    const accounts = this.p.receivingAccounts();
    const room = BATCH - this.#inFlight.size;
    if (accounts.length === 0 || room <= 0) return;
    const items = await deps.store.smppServer.claim(accounts, now, room, this.p.responseTimeoutMs * 3);
    for (const item of items) {
      this.#inFlight.add(item.id);
      void this.#send(item).then(
        (outcome) => this.#settle(item.id, outcome),
        () => this.#settle(item.id, "later"),
      );
    }
    if (items.length === room) this.#again = true;
  }

  /** done: acknowledged; again: no bind or the bind went (offer at once); later: refused or unanswered. */
  async #send(item: SmppOutboxItem): Promise<Outcome> {
    const session = this.p.receiverOf(item.accountId);
    if (!session) return "again";
    const pdus = item.kind === "receipt" ? [receiptPdu(item.body)] : inboundPdus(item.body, this.p.alphabet);
    for (const fields of pdus) {
      const status = await session.request("deliver_sm", fields);
      if (status === Status.ESME_ROK) continue;
      if (status === -1 && session.closed) return "again";
      return "later";
    }
    return "done";
  }

  /** Results are stored together: one statement per kind for everything settled in the same instant. */
  #settle(id: number, outcome: Outcome): void {
    this.#results[outcome].push(id);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      const previous = this.#flushing ?? Promise.resolve();
      const flushing = previous.then(() => this.#flush());
      this.#flushing = flushing;
      void flushing.finally(() => {
        if (this.#flushing === flushing) this.#flushing = undefined;
      });
    });
  }

  async #flush(): Promise<void> {
    const { done, again, later } = this.#results;
    const taken = { done: done.splice(0), again: again.splice(0), later: later.splice(0) };
    const store = this.p.deps.store.smppServer;
    const now = this.p.deps.clock.now();
    try {
      if (taken.done.length > 0) await store.remove(taken.done);
      if (taken.again.length > 0) await store.release(taken.again, now);
      if (taken.later.length > 0) await store.release(taken.later, now + RETRY_MS);
    } catch (error) {
      // Their leases lapse and they are offered again: at least once still holds.
      this.p.log.error({ err: error }, "could not record deliver_sm results");
    } finally {
      for (const id of [...taken.done, ...taken.again, ...taken.later]) this.#inFlight.delete(id);
    }
    if (taken.done.length > 0 || taken.again.length > 0) this.poke();
  }
}
