/**
 * A small in-process counter registry. Use cases count what an operator should see (fraud refusals,
 * idempotent replays) here without depending on a metrics library; whoever serves metrics (Prometheus,
 * the console) reads `entries()` and exports each name as a counter with its labels.
 */
export type Labels = Record<string, string | number>;

export interface CounterEntry {
  name: string;
  labels: Labels;
  value: number;
}

export class CounterRegistry {
  private readonly values = new Map<string, CounterEntry>();

  inc(name: string, labels: Labels = {}, by = 1): void {
    const id = `${name}${JSON.stringify(labels)}`;
    const entry = this.values.get(id);
    if (entry) entry.value += by;
    else this.values.set(id, { name, labels: { ...labels }, value: by });
  }

  /** The value of one series (0 if never counted). */
  get(name: string, labels: Labels = {}): number {
    return this.values.get(`${name}${JSON.stringify(labels)}`)?.value ?? 0;
  }

  /** Every series, for an exporter. */
  entries(): CounterEntry[] {
    return [...this.values.values()].map((e) => ({ ...e, labels: { ...e.labels } }));
  }
}

/** Names of the series this codebase counts, so an exporter can describe them. */
export const COUNTERS = {
  fraudRefusals: "starling_fraud_refusals_total", // labels: rule, account_id
  idempotentRequests: "starling_idempotent_requests_total", // labels: outcome (first, replay, mismatch, in_flight)
} as const;
