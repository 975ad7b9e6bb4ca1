/** Webhook URLs and the outbox in memory, with the SQL outbox's order and lease rules. */
import { randomUUID } from "node:crypto";
import { timeOrderedUuid } from "../../ids.js";
import type { WebhookStore } from "../ports/index.js";
import type { MemoryTables } from "./state.js";

export interface OutboxEvent {
  accountId: number;
  name: string;
  data: unknown;
  now: number;
  /** The message it is about: one message's events never go back in time. */
  about?: string;
}

/** Fans events out to their accounts' callback URLs. */
export function enqueueEvents(t: MemoryTables, events: readonly OutboxEvent[]): void {
  const latest = new Map<unknown, number>();
  for (const e of events) {
    const about = e.about ?? (e.data as { id?: unknown } | null)?.id;
    const at = about === undefined ? e.now : Math.max(e.now, latest.get(about) ?? e.now);
    if (about !== undefined) latest.set(about, at);
    const eventId = randomUUID();
    const hooks = [...t.webhooks.values()]
      .filter((h) => h.accountId === e.accountId)
      .sort((a, b) => a.id - b.id);
    for (const hook of hooks) {
      const id = timeOrderedUuid();
      t.outbox.set(id, {
        id,
        eventId,
        accountId: e.accountId,
        url: hook.url,
        name: e.name,
        data: JSON.stringify(e.data),
        createdAt: at,
        attempts: 0,
        nextAttemptAt: at,
        status: "pending",
        leaseUntil: null,
        lastError: null,
      });
    }
  }
}

export function memoryWebhooks(t: MemoryTables): WebhookStore {
  return {
    async add(accountId, url, now, timeoutMs = null) {
      const hook = { id: t.nextId++, accountId, url, createdAt: now, timeoutMs };
      t.webhooks.set(hook.id, hook);
      return { ...hook };
    },
    list: async (accountId) =>
      [...t.webhooks.values()].filter((h) => h.accountId === accountId).map((h) => ({ ...h })),
    remove: async (id) => t.webhooks.delete(id),
    async setTimeout(id, timeoutMs) {
      const hook = t.webhooks.get(id);
      if (hook) hook.timeoutMs = timeoutMs;
      return hook !== undefined;
    },
    async enqueue(accountId, name, data, now) {
      enqueueEvents(t, [{ accountId, name, data, now }]);
    },
    async claimDue(now, limit, leaseMs, exceptUrls = []) {
      const skipped = new Set(exceptUrls);
      const due = [...t.outbox.values()]
        .filter(
          (r) =>
            r.status === "pending" &&
            r.nextAttemptAt <= now &&
            (r.leaseUntil === null || r.leaseUntil < now) &&
            !skipped.has(r.url),
        )
        .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .slice(0, limit);
      return due.map((r) => {
        r.leaseUntil = now + leaseMs;
        const { id, eventId, accountId, url, name, createdAt, attempts } = r;
        return {
          id,
          eventId,
          accountId,
          url,
          name,
          data: JSON.parse(r.data) as unknown,
          createdAt,
          attempts,
        };
      });
    },
    async release(ids) {
      for (const id of ids) {
        const r = t.outbox.get(id);
        if (r?.status === "pending") r.leaseUntil = null;
      }
    },
    async recordAttempts(results) {
      for (const result of results) {
        const r = t.outbox.get(result.id);
        if (!r) continue;
        r.leaseUntil = null;
        if (result.delivered) {
          r.status = "delivered";
          r.attempts++;
          continue;
        }
        r.attempts = result.attempts;
        r.status = result.nextAttemptAt === null ? "dead" : "pending";
        r.nextAttemptAt = result.nextAttemptAt ?? 0;
        r.lastError = result.error.slice(0, 500);
      }
    },
    async counts() {
      const counts: Record<string, number> = {};
      for (const r of t.outbox.values()) counts[r.status] = (counts[r.status] ?? 0) + 1;
      return counts;
    },
  };
}
