/**
 * Delivery receipts: each goes out once its planned delay has passed, waits while its system_id has no
 * receiving bind, and is offered again until acknowledged or RECEIPT_ATTEMPTS is reached.
 */
import { Status } from "../smpp/status.js";
import { canReceive, deliver, receiverFor, type SimSession } from "./esme.js";
import { SIMULATOR_DEFAULTS, type SimulatorOptions } from "./options.js";
import { receiptFields } from "./pdus.js";
import type { PlannedReceipt } from "./scenarios.js";
import type { LedgerEntry, MessageLedger, ReceiptRecord } from "./ledger.js";
import type { SimulatorStats } from "./stats.js";
import type { Timers } from "./timers.js";

/** A receipt is offered this many times before the simulator gives up on it. */
const RECEIPT_ATTEMPTS = 10;

interface QueuedReceipt {
  record: ReceiptRecord;
  receipt: PlannedReceipt;
  attempt: number;
}

export class ReceiptSender {
  /** Receipts for a system_id with no receiving bind at the moment; sent when one binds (as an SMSC stores them). */
  readonly #queued = new Map<string, QueuedReceipt[]>();
  #closed = false;

  constructor(
    private readonly sessions: ReadonlySet<SimSession>,
    private readonly stats: SimulatorStats,
    private readonly timers: Timers,
    private readonly options: SimulatorOptions,
    private readonly ledger: MessageLedger,
  ) {}

  /** Sends `receipt` for a submit that came on `origin`, once the receipt's delay has passed. */
  schedule(origin: SimSession, record: ReceiptRecord, receipt: PlannedReceipt): void {
    this.timers.later(receipt.delayMs, () => this.#send(origin, record, receipt));
  }

  /** Receipts a previous run owed (from the ledger's journal): each goes out when due and a bind can take it. */
  restore(entries: readonly LedgerEntry[], now = Date.now()): void {
    for (const { record, receipt, doneAt } of entries) {
      this.timers.later(Math.max(0, doneAt - now), () => this.#send(undefined, record, receipt));
    }
  }

  /** A bind of `systemId` that can receive came up: what waited for one goes out now. */
  flush(systemId: string): void {
    const queue = this.#queued.get(systemId);
    if (!queue) return;
    this.#queued.delete(systemId);
    for (const { record, receipt, attempt } of queue) {
      this.timers.later(0, () => this.#send(undefined, record, receipt, attempt));
    }
  }

  close(): void {
    this.#closed = true;
    this.#queued.clear();
  }

  /**
   * To the bind the submit came on if it can receive, else any receiving bind of the same system_id. As a
   * real SMSC does, a receipt that gets no deliver_sm_resp (or an error) is sent again: on the next bind if
   * the connection went, else after receiptRetryMs.
   */
  #send(origin: SimSession | undefined, record: ReceiptRecord, receipt: PlannedReceipt, attempt = 1): void {
    const target =
      origin && canReceive(origin) && !origin.lib.socket.destroyed
        ? origin
        : receiverFor(this.sessions, record.systemId);
    if (!target) {
      this.#queue({ record, receipt, attempt });
      return;
    }
    const fields = receiptFields(record, receipt.state, receipt.error, this.options.receiptTlvs ?? true);
    if (attempt === 1) this.stats.receiptsSent++;
    else this.stats.receiptsResent++;
    void deliver(target, fields).then((status) => {
      if (status === Status.ESME_ROK) {
        this.stats.receiptsAcknowledged++;
        this.ledger.acknowledged(record.smscId);
        return;
      }
      if (this.#closed || attempt >= RECEIPT_ATTEMPTS) return;
      const next: QueuedReceipt = { record, receipt, attempt: attempt + 1 };
      if (status === -1 && !receiverFor(this.sessions, record.systemId)) this.#queue(next);
      else {
        const retryMs = this.options.receiptRetryMs ?? SIMULATOR_DEFAULTS.receiptRetryMs;
        this.timers.later(retryMs, () => this.#send(undefined, record, receipt, next.attempt));
      }
    });
  }

  #queue(item: QueuedReceipt): void {
    const queue = this.#queued.get(item.record.systemId) ?? [];
    queue.push(item);
    this.#queued.set(item.record.systemId, queue);
  }
}
