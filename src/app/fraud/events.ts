/**
 * What happens when a fraud rule refuses a send: it is counted in the registry (metrics), logged with the
 * rule that fired, and added to durable per-day counts that `starling fraud status` reads. The durable
 * counts are summed in memory and written every few seconds, so a pumping burst of refusals costs one
 * write per account and rule per flush rather than one per request.
 */
import { utcDay } from "../../core/otp.js";
import type { FraudStore } from "../../store/ports/index.js";
import { COUNTERS, type CounterRegistry } from "../counters.js";

export type FraudRule = "geo" | "velocity_account" | "velocity_prefix" | "otp_conversion";

export interface FraudLog {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

interface Pending {
  accountId: number;
  rule: FraudRule;
  day: string;
  count: number;
  lastAt: number;
  lastDetail: string;
}

export class FraudEvents {
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: FraudStore,
    private readonly counters: CounterRegistry,
    private readonly log: FraudLog,
  ) {}

  refused(rule: FraudRule, accountId: number, detail: string, now: number, count = 1): void {
    this.counters.inc(COUNTERS.fraudRefusals, { rule, account_id: accountId }, count);
    this.log.warn(
      { event: "fraud_refusal", rule, accountId, detail, count },
      `send refused by fraud rule ${rule}`,
    );
    const day = utcDay(now);
    const id = `${accountId}|${rule}|${day}`;
    const entry = this.pending.get(id);
    if (entry) {
      entry.count += count;
      entry.lastAt = now;
      entry.lastDetail = detail;
    } else this.pending.set(id, { accountId, rule, day, count, lastAt: now, lastDetail: detail });
  }

  /** Logs a failure of the rules' own bookkeeping (which never fails the request it belongs to). */
  failed(error: unknown, message: string): void {
    this.log.error({ err: error }, message);
  }

  /** Writes the counts gathered so far; flushes run one after another. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return;
      const batch = [...this.pending.values()];
      this.pending = new Map();
      try {
        await this.store.addRefusals(batch);
      } catch (error) {
        this.log.error({ err: error, lost: batch.length }, "could not store fraud refusal counts");
      }
    });
    return this.flushing;
  }

  start(intervalMs: number): void {
    this.timer ??= setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
