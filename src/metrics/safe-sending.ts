/**
 * The safe-sending counters (app/counters.ts: fraud refusals per rule and account, idempotent requests per
 * outcome) as Prometheus counters, read from the in-process registry when Prometheus scrapes.
 */
import { Counter } from "prom-client";
import { COUNTERS, type CounterRegistry } from "../app/counters.js";
import type { Metrics } from "./registry.js";

const HELP: Record<string, { help: string; labels: string[] }> = {
  [COUNTERS.fraudRefusals]: {
    help: "Sends refused by a fraud rule (geo, velocity_account, velocity_prefix, otp_conversion), per account",
    labels: ["rule", "account_id"],
  },
  [COUNTERS.idempotentRequests]: {
    help: "Requests with an Idempotency-Key by outcome (first, replay, mismatch, in_flight)",
    labels: ["outcome"],
  },
};

export function exportSafeSendingCounters(metrics: Metrics, counters: CounterRegistry): void {
  for (const [name, { help, labels }] of Object.entries(HELP)) {
    new Counter({
      name,
      help,
      labelNames: labels,
      registers: [metrics.registry],
      collect() {
        this.reset();
        for (const entry of counters.entries()) {
          if (entry.name === name) this.inc(entry.labels, entry.value);
        }
      },
    });
  }
}
