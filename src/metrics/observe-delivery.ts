/**
 * Connector and queue state, read when Prometheus scrapes, plus the connector events worth counting
 * (reconnects, throttling). Observes the connectors through their port and events only.
 */
import type { Connector } from "../delivery/connector.js";
import type { Store } from "../store/ports/index.js";
import type { SubmitConnectors } from "./observe-store.js";
import { RecentRate } from "./recent-rate.js";
import type { Metrics } from "./registry.js";

/** The SMPP connector adds its window use to the port; other connectors may not have one. */
type WithLoad = Connector & { load?: { inFlight: number; waiting: number; rate: number } };

export function observeDelivery(
  metrics: Metrics,
  store: Store,
  connectors: ReadonlyMap<string, Connector>,
  submits: SubmitConnectors,
  now: () => number,
): void {
  for (const connector of connectors.values()) {
    let wasUp = false;
    connector.on("up", () => {
      if (wasUp) metrics.smppReconnects.inc({ connector: connector.id });
      wasUp = true;
    });
    const pace = new RecentRate(now);
    submits.pace.set(connector.id, pace);
    const submit = connector.submit.bind(connector);
    connector.submit = async (request) => {
      const result = await submit(request);
      submits.lastConnector.set(request.messageId, connector.id);
      if (result.ok) pace.add();
      if (!result.ok && result.kind === "throttled") metrics.smppThrottles.inc({ connector: connector.id });
      return result;
    };
  }

  metrics.gauge(
    "starling_smpp_connector_up",
    "1 while the connector is bound and can submit",
    ["connector"],
    (set) => {
      for (const c of connectors.values()) set({ connector: c.id }, c.isUp() ? 1 : 0);
    },
  );
  metrics.gauge("starling_smpp_window_in_use", "Submits awaiting their response", ["connector"], (set) => {
    for (const c of connectors.values() as Iterable<WithLoad>)
      if (c.load) set({ connector: c.id }, c.load.inFlight);
  });
  metrics.gauge(
    "starling_smpp_waiting",
    "Submits waiting for window room or the throughput limit",
    ["connector"],
    (set) => {
      for (const c of connectors.values() as Iterable<WithLoad>)
        if (c.load) set({ connector: c.id }, c.load.waiting);
    },
  );
  // Both queue gauges come from one query per scrape (they are collected one after the other).
  let queue: { at: number; stats: ReturnType<Store["operator"]["queueStats"]> } | undefined;
  const queueStats = () => {
    const at = now();
    if (!queue || at - queue.at > 1000) queue = { at, stats: store.operator.queueStats(at) };
    return queue.stats;
  };
  metrics.gauge(
    "starling_queue_depth",
    "Messages queued for (re)submission, per lane",
    ["lane"],
    async (set) => {
      for (const lane of await queueStats()) set({ lane: lane.lane }, lane.depth);
    },
  );
  metrics.gauge(
    "starling_queue_oldest_age_seconds",
    "How long the oldest due message has waited, per lane",
    ["lane"],
    async (set) => {
      const at = now();
      for (const lane of await queueStats()) {
        set({ lane: lane.lane }, lane.oldestDueAt === null ? 0 : Math.max(0, at - lane.oldestDueAt) / 1000);
      }
    },
  );
  metrics.gauge(
    "starling_webhook_outbox",
    "Webhook events in the outbox by status",
    ["status"],
    async (set) => {
      const counts = await store.webhooks.counts();
      for (const [status, n] of Object.entries(counts)) set({ status }, n);
    },
  );
}
