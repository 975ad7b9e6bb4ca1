/**
 * One message's life in order, from what the store keeps: accepted → queued/retried → each submitted part
 * → its receipt → each webhook event → every submit attempt and webhook POST recorded. Pure, so it is tested without a store.
 */
import { redactUrl } from "../../core/urls.js";
import { Dlr, Status } from "../../core/message.js";
import type { AttemptTrace, MessageTrace } from "../../store/ports/index.js";

export interface TimelineEvent {
  /** Unix ms; null when the store does not keep the time (e.g. a retry's own time). */
  at: number | null;
  what: string;
  detail: string;
  tone: "ok" | "wait" | "bad" | "info";
}

const RECEIPT_TONE: Record<string, TimelineEvent["tone"]> = {
  DELIVRD: "ok",
  ENROUTE: "wait",
  ACCEPTD: "wait",
};
const STATUS_TEXT: Record<number, string> = {
  [Status.BLOCKED]: "rejected by the network (208)",
  [Status.NO_ROUTE]: "no route (5000)",
  [Status.CANCELLED]: "cancelled (6000)",
  [Status.NO_CREDIT]: "no credit (3000)",
};

/** What an attempt row says, in a line: who answered what. */
export function describeAttempt(a: AttemptTrace): { ok: boolean; detail: string } {
  if (a.kind === "submit") {
    if (a.outcome === "submitted")
      return { ok: true, detail: `connector ${a.connectorId ?? "?"}: accepted, SMSC id ${a.smscIds.join(", ")}` };
    const by = a.connectorId ? `connector ${a.connectorId}: ` : "";
    return { ok: false, detail: `${by}${a.outcome === "retry" ? "to be retried" : "failed"}: ${a.error ?? ""}` };
  }
  const answer = a.httpStatus !== null ? `HTTP ${a.httpStatus}` : (a.error ?? "no answer");
  return {
    ok: a.outcome === "delivered",
    detail: `${a.url ?? "?"} → ${answer}${a.outcome === "dead" ? " (given up)" : ""}`,
  };
}

export function messageTimeline(trace: MessageTrace, attempts: readonly AttemptTrace[] = []): TimelineEvent[] {
  const { message: m, queue, parts, webhooks } = trace;
  const events: TimelineEvent[] = [
    {
      at: m.createdAt,
      what: "accepted",
      detail: `${m.partsCount} part(s), ${m.encoding}, ${m.serviceCode}, key ${m.keyId ?? "-"}${m.ip ? `, from ${m.ip}` : ""}`,
      tone: "info",
    },
  ];
  if (m.deliveryAt * 1000 > m.createdAt)
    events.push({ at: m.deliveryAt * 1000, what: "scheduled for", detail: "delivery_at", tone: "info" });
  if (queue) {
    events.push({
      at: queue.dueAt,
      what: queue.leased ? "being submitted" : queue.attempts > 0 ? `retry ${queue.attempts} due` : "queued",
      detail: queue.lastError ? `last error: ${queue.lastError}` : "",
      tone: queue.attempts > 0 ? "bad" : "wait",
    });
  }
  // gateway_sent_at has whole seconds: the accepted submit attempt is more exact, and the submit never goes
  // before the acceptance it follows.
  if (m.gatewaySentAt > 0)
    events.push({
      at:
        attempts.filter((a) => a.kind === "submit" && a.outcome === "submitted").at(-1)?.at ??
        Math.max(m.gatewaySentAt * 1000, m.createdAt),
      what: "submitted",
      detail: "the SMSC accepted every part (status 100)",
      tone: "ok",
    });
  for (const p of parts) {
    events.push({
      at: p.updatedAt,
      what: `part ${p.partIndex + 1}${p.resubmitted ? " (resubmitted)" : ""}: ${p.state}`,
      detail: `connector ${p.connectorId}, SMSC id ${p.smscId}${p.errorCode ? `, error ${p.errorCode}` : ""}`,
      tone: RECEIPT_TONE[p.state] ?? "bad",
    });
  }
  const failure = STATUS_TEXT[m.statusCode];
  if (failure)
    events.push({
      at: null,
      what: "ended",
      detail: failure,
      tone: m.statusCode === Status.CANCELLED ? "info" : "bad",
    });
  else if (m.dlrCode === Dlr.EXPIRED)
    events.push({ at: null, what: "expired", detail: "dlr_code 8", tone: "bad" });
  for (const w of webhooks) {
    const dlr = (w.data as { dlr_code?: number } | null)?.dlr_code;
    events.push({
      at: w.createdAt,
      what: `webhook ${w.name}${dlr !== undefined ? ` (dlr_code ${dlr})` : ""}: ${w.status}`,
      detail: `${w.attempts} attempt(s) to ${redactUrl(w.url)}${w.lastError ? `; last: ${w.lastError}` : ""}`,
      tone: w.status === "delivered" ? "ok" : w.status === "dead" ? "bad" : "wait",
    });
  }
  for (const a of attempts) {
    const { ok, detail } = describeAttempt(a);
    events.push({ at: a.at, what: `${a.kind} attempt${ok ? "" : " failed"}`, detail, tone: ok ? "ok" : "bad" });
  }
  // Stable: events without a time keep their place after the ones before them.
  return events
    .map((e, i) => ({ e, i, key: e.at ?? Number.MAX_SAFE_INTEGER }))
    .sort((a, b) => a.key - b.key || a.i - b.i)
    .map(({ e }) => e);
}
