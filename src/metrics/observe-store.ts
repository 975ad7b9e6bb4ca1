/**
 * Counts what the gateway records, at the store port: every acceptance, submit outcome, receipt, webhook
 * attempt and OTP check passes through it, whichever component made it. Wrapping the port (rather than
 * calling the metrics from inside the dispatcher, webhooks and OTP use cases) keeps those free of it.
 */
import { Dlr } from "../core/message.js";
import type { DeliveryOutcome, ReceiptUpdate, Store } from "../store/ports/index.js";
import type { RecentRate } from "./recent-rate.js";
import type { Metrics } from "./registry.js";

const FINAL_FAILED = new Set(["UNDELIV", "REJECTD", "DELETED", "UNKNOWN"]);
/** Parts the SMSC accepted whose final receipt has not come yet; bounded, oldest forgotten first. */
const MAX_TRACKED_PARTS = 200_000;
/**
 * A receipt can overtake the record of its submit (the store holds it until the submit is recorded), so a
 * receipt with no part known yet waits this long for one before it counts as a part submitted before this
 * process started.
 */
const EARLY_RECEIPT_MS = 60_000;

interface InFlight {
  connector: string;
  service: string;
  submittedAt: number;
  remaining: number;
  done: boolean;
}

export interface SubmitConnectors {
  /** The connector that last answered a submit for this message (set by observe-delivery). */
  lastConnector: Map<string, string>;
  /** Messages each connector's SMSC accepted, per second over the last minute (for the console). */
  pace: Map<string, RecentRate>;
}

export function observeStore(
  store: Store,
  metrics: Metrics,
  connectors: SubmitConnectors,
  now: () => number,
): void {
  const parts = new Map<string, InFlight>();
  const partKey = (connector: string, smscId: string) => `${connector}\u0000${smscId}`;

  const accept = store.messages.accept.bind(store.messages);
  store.messages.accept = async (batch) => {
    const outcome = await accept(batch);
    if (outcome === "accepted")
      for (const m of batch.messages) metrics.accepted.inc({ service: m.serviceCode });
    return outcome;
  };

  const onOutcome = (o: DeliveryOutcome) => {
    const service = o.message.serviceCode;
    if (o.kind === "submitted") {
      connectors.lastConnector.delete(o.message.uuid);
      metrics.submitted.inc({ connector: o.connectorId, service });
      const entry: InFlight = {
        connector: o.connectorId,
        service,
        submittedAt: o.at,
        remaining: o.smscIds.length,
        done: false,
      };
      for (const id of o.smscIds) parts.set(partKey(o.connectorId, id), entry);
      while (parts.size > MAX_TRACKED_PARTS) parts.delete(parts.keys().next().value!);
      for (const id of o.smscIds) {
        const early = earlyReceipts.get(partKey(o.connectorId, id));
        if (!early) continue;
        earlyReceipts.delete(partKey(o.connectorId, id));
        onReceipt(early.receipt, early.at);
      }
    } else if (o.kind === "failed") {
      const connector = connectors.lastConnector.get(o.message.uuid) ?? "none";
      connectors.lastConnector.delete(o.message.uuid);
      (o.dlrCode === Dlr.EXPIRED ? metrics.expired : metrics.failed).inc({ connector, service });
    }
  };
  const record = store.delivery.record.bind(store.delivery);
  store.delivery.record = async (outcomes, at) => {
    await record(outcomes, at);
    for (const o of outcomes) onOutcome(o);
  };

  const earlyReceipts = new Map<string, { receipt: ReceiptUpdate; at: number }>();
  /** Receipts that waited in vain for their submit: parts submitted before this process started. */
  const countUnmatched = (before: number) => {
    for (const [key, early] of earlyReceipts) {
      if (early.at >= before && earlyReceipts.size <= MAX_TRACKED_PARTS) break;
      earlyReceipts.delete(key);
      countUnknown(early.receipt);
    }
  };
  const countUnknown = (r: ReceiptUpdate) => {
    const labels = { connector: r.connectorId, service: "unknown" };
    if (r.state === "DELIVRD") metrics.delivered.inc(labels);
    else (r.state === "EXPIRED" ? metrics.expired : metrics.failed).inc(labels);
  };
  const onReceipt = (r: ReceiptUpdate, at: number) => {
    const key = partKey(r.connectorId, r.smscId);
    const entry = parts.get(key);
    const final = r.state === "DELIVRD" || r.state === "EXPIRED" || FINAL_FAILED.has(r.state);
    if (!final) return;
    if (!entry) {
      earlyReceipts.set(key, { receipt: r, at });
      countUnmatched(at - EARLY_RECEIPT_MS);
      return;
    }
    const labels = { connector: r.connectorId, service: entry.service };
    parts.delete(key);
    metrics.receiptLatency.observe({ connector: r.connectorId }, Math.max(0, at - entry.submittedAt) / 1000);
    if (entry.done) return;
    if (r.state === "DELIVRD") {
      entry.remaining--;
      if (entry.remaining <= 0) {
        entry.done = true;
        metrics.delivered.inc(labels);
      }
    } else {
      // One failed part fails the message (core/delivery-state.ts aggregateDlr).
      entry.done = true;
      (r.state === "EXPIRED" ? metrics.expired : metrics.failed).inc(labels);
    }
  };
  const applyReceipts = store.delivery.applyReceipts.bind(store.delivery);
  store.delivery.applyReceipts = async (receipts, at) => {
    await applyReceipts(receipts, at);
    const received = now();
    for (const r of receipts) onReceipt(r, received);
  };

  const expireStale = store.delivery.expireStale.bind(store.delivery);
  store.delivery.expireStale = async (sentBefore, at) => {
    const expired = await expireStale(sentBefore, at);
    if (expired > 0) metrics.expired.inc({ connector: "unknown", service: "unknown" }, expired);
    return expired;
  };

  const recordAttempts = store.webhooks.recordAttempts.bind(store.webhooks);
  store.webhooks.recordAttempts = async (results) => {
    await recordAttempts(results);
    for (const r of results) {
      metrics.webhookAttempts.inc({ result: r.delivered ? "delivered" : "failed" });
      if (!r.delivered && r.nextAttemptAt === null) metrics.webhookFailures.inc();
    }
  };

  const reserve = store.otp.reserve.bind(store.otp);
  store.otp.reserve = async (otp, rules) => {
    const outcome = await reserve(otp, rules);
    if (outcome === "reserved") metrics.otpCreated.inc();
    return outcome;
  };
  const recordCheck = store.otp.recordCheck.bind(store.otp);
  store.otp.recordCheck = async (id, seen, next, check) => {
    const recorded = await recordCheck(id, seen, next, check);
    if (recorded) (check.valid ? metrics.otpVerified : metrics.otpFailed).inc();
    return recorded;
  };
}
