import { randomUUID } from "node:crypto";
import type { Selectable } from "kysely";
import type { InboundStore, OutboxItem, Webhook, WebhookAttempt, WebhookStore } from "../ports/index.js";
import { insertRows, paddedChunks, updateFromRows } from "./bulk.js";
import type { Db } from "./db.js";
import type { WebhooksTable } from "./schema.js";
import { enqueueEvents } from "./delivery/changes.js";
import { GroupCommit } from "./group-commit.js";
import type { OutboxHandOff } from "./outbox-hand-off.js";

export function sqlWebhookStore({ kysely, dialect }: Db, handOff?: OutboxHandOff): WebhookStore {
  // Results of concurrent deliveries share one transaction and one statement per kind: one fsync per
  // batch, not one per event.
  const attempts = new GroupCommit<readonly WebhookAttempt[], void>((batches) =>
    kysely.transaction().execute(async (trx) => {
      // An event recorded twice in one batch: the later result stands, as it would one after the other.
      const latest = new Map(batches.flat().map((r) => [r.id, r]));
      const delivered = [...latest.values()].filter((r) => r.delivered).map((r) => r.id);
      for (const chunk of paddedChunks(delivered)) {
        await trx
          .updateTable("webhook_outbox")
          .set((eb) => ({ status: "delivered", attempts: eb("attempts", "+", 1), lease_until: null }))
          .where("id", "in", chunk)
          .execute();
      }
      await updateFromRows(
        trx,
        "UPDATE webhook_outbox SET attempts = CAST(v.column2 AS integer), status = v.column3, " +
          "next_attempt_at = CAST(v.column4 AS bigint), lease_until = NULL, last_error = v.column5",
        "webhook_outbox.id = v.column1",
        [...latest.values()].flatMap((r) =>
          r.delivered
            ? []
            : [[r.id, r.attempts, r.nextAttemptAt === null ? "dead" : "pending", r.nextAttemptAt ?? 0, r.error.slice(0, 500)]],
        ),
      );
      // Every POST is kept (not only the latest per event), for the console's message timeline.
      await insertRows(
        trx,
        "delivery_attempts (message_uuid, at, kind, outcome, outbox_id, url, http_status, error)",
        "v.column2, CAST(v.column3 AS bigint), 'webhook', v.column4, v.column1, v.column5, CAST(v.column6 AS integer), v.column7",
        batches.flat().flatMap((r) =>
          r.post
            ? [
                [
                  r.id,
                  r.post.messageUuid,
                  r.post.at,
                  r.delivered ? "delivered" : r.nextAttemptAt === null ? "dead" : "failed",
                  r.post.url,
                  r.post.httpStatus,
                  r.delivered ? null : r.error.slice(0, 500),
                ],
              ]
            : [],
        ),
      );
      return batches.map(() => undefined);
    }),
  );
  /** The receivers' own timeouts, by "account url", for the accounts of the claimed events. */
  async function receiverTimeouts(rows: readonly { account_id: number; url: string }[]): Promise<Map<string, number>> {
    const timeouts = new Map<string, number>();
    for (const chunk of paddedChunks([...new Set(rows.map((r) => Number(r.account_id)))])) {
      const hooks = await kysely
        .selectFrom("webhooks")
        .select(["account_id", "url", "timeout_ms"])
        .where("account_id", "in", chunk)
        .where("timeout_ms", "is not", null)
        .execute();
      for (const h of hooks) timeouts.set(`${h.account_id} ${h.url}`, Number(h.timeout_ms));
    }
    return timeouts;
  }
  return {
    ...(handOff && { listen: (listener) => handOff.listen(listener) }),
    async add(accountId, url, now, timeoutMs = null) {
      const row = await kysely
        .insertInto("webhooks")
        .values({ account_id: accountId, url, created_at: now, timeout_ms: timeoutMs })
        .returningAll()
        .executeTakeFirstOrThrow();
      return webhookOf(row);
    },
    async list(accountId) {
      const rows = await kysely.selectFrom("webhooks").selectAll().where("account_id", "=", accountId).orderBy("id").execute();
      return rows.map(webhookOf);
    },
    async remove(id) {
      const result = await kysely.deleteFrom("webhooks").where("id", "=", id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async setTimeout(id, timeoutMs) {
      const result = await kysely.updateTable("webhooks").set({ timeout_ms: timeoutMs }).where("id", "=", id).executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async enqueue(accountId, name, data, now) {
      await kysely.transaction().execute((trx) => enqueueEvents(trx, [{ accountId, name, data, now }]));
    },
    async claimDue(now, limit, leaseMs, exceptUrls = []): Promise<OutboxItem[]> {
      const due = kysely
        .selectFrom("webhook_outbox")
        .select("id")
        .where("status", "=", "pending")
        .where("next_attempt_at", "<=", now)
        .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", now)]))
        .$if(exceptUrls.length > 0, (q) => q.where("url", "not in", exceptUrls))
        .orderBy("next_attempt_at")
        .orderBy("id")
        .limit(limit)
        // Concurrent PostgreSQL claimers would otherwise both lease a row the other has just leased.
        .$if(dialect === "postgres", (q) => q.forUpdate().skipLocked());
      const rows = await kysely
        .updateTable("webhook_outbox")
        .set({ lease_until: now + leaseMs })
        .where("id", "in", due)
        .returningAll()
        .execute();
      // RETURNING has no defined order: put the events back in the order they are due, and one message's
      // events in the order they were written (outbox ids sort in creation order, see ids.ts).
      rows.sort((a, b) => Number(a.next_attempt_at) - Number(b.next_attempt_at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const timeouts = await receiverTimeouts(rows);
      return rows.map((r) => ({
        id: r.id,
        eventId: r.event_id,
        accountId: Number(r.account_id),
        url: r.url,
        name: r.name,
        data: JSON.parse(r.data) as unknown,
        dataJson: r.data,
        createdAt: Number(r.created_at),
        attempts: r.attempts,
        timeoutMs: timeouts.get(`${r.account_id} ${r.url}`) ?? null,
      }));
    },
    async release(ids) {
      for (const chunk of paddedChunks([...ids])) {
        await kysely
          .updateTable("webhook_outbox")
          .set({ lease_until: null })
          .where("id", "in", chunk)
          .where("status", "=", "pending")
          .execute();
      }
    },
    recordAttempts: async (results) => {
      if (results.length > 0) await attempts.submit(results);
    },
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

function webhookOf(row: Selectable<WebhooksTable>): Webhook {
  return {
    id: Number(row.id),
    accountId: Number(row.account_id),
    url: row.url,
    createdAt: Number(row.created_at),
    timeoutMs: row.timeout_ms === null ? null : Number(row.timeout_ms),
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
