import { randomUUID } from "node:crypto";
import type { InboundStore, OutboxItem, WebhookStore } from "../ports/index.js";
import type { Db } from "./db.js";
import { enqueueEvent } from "./delivery.js";
import { GroupCommit } from "./group-commit.js";

type OutboxResult =
  | { id: string; delivered: true }
  | { id: string; delivered: false; attempts: number; nextAttemptAt: number | null; error: string };

export function sqlWebhookStore({ kysely }: Db): WebhookStore {
  // Results of concurrent deliveries share one transaction: one fsync per batch, not one per event.
  const results = new GroupCommit<OutboxResult, void>((items) =>
    kysely.transaction().execute(async (trx) => {
      const delivered = items.filter((r) => r.delivered).map((r) => r.id);
      if (delivered.length > 0) {
        await trx
          .updateTable("webhook_outbox")
          .set((eb) => ({ status: "delivered", attempts: eb("attempts", "+", 1), lease_until: null }))
          .where("id", "in", delivered)
          .execute();
      }
      for (const r of items) {
        if (r.delivered) continue;
        await trx
          .updateTable("webhook_outbox")
          .set({
            attempts: r.attempts,
            status: r.nextAttemptAt === null ? "dead" : "pending",
            next_attempt_at: r.nextAttemptAt ?? 0,
            lease_until: null,
            last_error: r.error.slice(0, 500),
          })
          .where("id", "=", r.id)
          .execute();
      }
      return items.map(() => undefined);
    }),
  );
  return {
    async add(accountId, url, now) {
      const row = await kysely
        .insertInto("webhooks")
        .values({ account_id: accountId, url, created_at: now })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { id: Number(row.id), accountId: Number(row.account_id), url: row.url, createdAt: Number(row.created_at) };
    },
    async list(accountId) {
      const rows = await kysely.selectFrom("webhooks").selectAll().where("account_id", "=", accountId).orderBy("id").execute();
      return rows.map((r) => ({ id: Number(r.id), accountId: Number(r.account_id), url: r.url, createdAt: Number(r.created_at) }));
    },
    async remove(id) {
      const result = await kysely.deleteFrom("webhooks").where("id", "=", id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async enqueue(accountId, name, data, now) {
      await kysely.transaction().execute((trx) => enqueueEvent(trx, accountId, name, data, now));
    },
    async claimDue(now, limit, leaseMs): Promise<OutboxItem[]> {
      const due = kysely
        .selectFrom("webhook_outbox")
        .select("id")
        .where("status", "=", "pending")
        .where("next_attempt_at", "<=", now)
        .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", now)]))
        .orderBy("next_attempt_at")
        .limit(limit);
      const rows = await kysely
        .updateTable("webhook_outbox")
        .set({ lease_until: now + leaseMs })
        .where("id", "in", due)
        .returningAll()
        .execute();
      return rows.map((r) => ({
        id: r.id,
        eventId: r.event_id,
        accountId: Number(r.account_id),
        url: r.url,
        name: r.name,
        data: JSON.parse(r.data) as unknown,
        createdAt: Number(r.created_at),
        attempts: r.attempts,
      }));
    },
    markDelivered: (id) => results.submit({ id, delivered: true }),
    markFailed: (id, attempts, nextAttemptAt, error) =>
      results.submit({ id, delivered: false, attempts, nextAttemptAt, error }),
    async counts() {
      const rows = await kysely
        .selectFrom("webhook_outbox")
        .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
        .groupBy("status")
        .execute();
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    },
  };
}

export function sqlInboundStore({ kysely }: Db): InboundStore {
  return {
    async insert(m) {
      await kysely
        .insertInto("inbound_messages")
        .values({
          uuid: m.uuid || randomUUID(),
          account_id: m.accountId,
          connector_id: m.connectorId,
          sender: m.from,
          recipient: m.to,
          text: m.text,
          received_at: m.receivedAt,
        })
        .execute();
    },
  };
}
