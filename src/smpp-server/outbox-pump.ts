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

export class OutboxPump {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #lastPurge = 0;
  #stopped = false;

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

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#running;
  }

  async #round(): Promise<void> {
    const { deps } = this.p;
    const now = deps.clock.now();
    if (now - this.#lastPurge > PURGE_EVERY_MS) {
      this.#lastPurge = now;
      await deps.store.smppServer.purge(now);
    }
    const accounts = this.p.receivingAccounts();
    if (accounts.length === 0) return;
    const items = await deps.store.smppServer.claim(accounts, now, BATCH, this.p.responseTimeoutMs * 3);
    if (items.length === 0) return;
    const outcomes = await Promise.all(items.map((item) => this.#send(item)));
    const done = items.filter((_, i) => outcomes[i] === "done").map((i) => i.id);
    const now2 = deps.clock.now();
    const again = items.filter((_, i) => outcomes[i] === "again").map((i) => i.id);
    const later = items.filter((_, i) => outcomes[i] === "later").map((i) => i.id);
    if (done.length > 0) await deps.store.smppServer.remove(done);
    if (again.length > 0) await deps.store.smppServer.release(again, now2);
    if (later.length > 0) await deps.store.smppServer.release(later, now2 + RETRY_MS);
    // A full batch means more may be waiting.
    if (items.length === BATCH || done.length > 0) this.#again = true;
  }

  /** done: acknowledged; again: no bind or the bind went (offer at once); later: refused or unanswered. */
  async #send(item: SmppOutboxItem): Promise<"done" | "again" | "later"> {
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
}
