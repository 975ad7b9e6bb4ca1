/**
 * The delivery side of the store: claiming due queue rows, recording submit outcomes and receipts.
 * Status changes and their webhook events commit together (the outbox pattern), and writes from the
 * dispatcher are grouped into shared transactions like message acceptance.
 */
import { randomUUID } from "node:crypto";
import type { Transaction } from "kysely";
import { aggregateDlr, isFinalDlr, type PartState } from "../../core/delivery-state.js";
import { Dlr, type Message, Status } from "../../core/message.js";
import type { ClaimedMessage, DeliveryOutcome, DeliveryStore, ReceiptUpdate } from "../ports/index.js";
import type { Database, Db } from "./db.js";
import { GroupCommit } from "./group-commit.js";
import { rowToMessage } from "./messages.js";

type Trx = Transaction<Database>;

/** The `sms.delivery` event data of the LOX24 reference sheet. */
export function deliveryEventData(m: Pick<Message, "uuid" | "keyId" | "callbackData">, dlrCode: number, statusCode: number) {
  return { id: m.uuid, key_id: m.keyId, dlr_code: dlrCode, status_code: statusCode, callback_data: m.callbackData };
}

/** Fans an event out to the account's callback URLs inside the caller's transaction. */
export async function enqueueEvent(trx: Trx, accountId: number, name: string, data: unknown, now: number): Promise<void> {
  const hooks = await trx.selectFrom("webhooks").select("url").where("account_id", "=", accountId).execute();
  if (hooks.length === 0) return;
  const eventId = randomUUID();
  const json = JSON.stringify(data);
  await trx
    .insertInto("webhook_outbox")
    .values(
      hooks.map((h) => ({
        id: randomUUID(),
        event_id: eventId,
        account_id: accountId,
        url: h.url,
        name,
        data: json,
        created_at: now,
        attempts: 0,
        next_attempt_at: now,
        status: "pending",
        lease_until: null,
        last_error: null,
      })),
    )
    .execute();
}

async function setDlr(trx: Trx, m: Message, dlrCode: number, statusCode: number, now: number): Promise<void> {
  // The text of an is_text_deleted message is erased once nothing more can happen to it.
  const erase = m.isTextDeleted && (isFinalDlr(dlrCode) || (statusCode !== Status.NEW && statusCode !== Status.TRANSMITTED));
  await trx
    .updateTable("messages")
    .set({ dlr_code: dlrCode, status_code: statusCode, updated_at: now, ...(erase ? { text: null } : {}) })
    .where("uuid", "=", m.uuid)
    .execute();
  await enqueueEvent(trx, m.accountId, "sms.delivery", deliveryEventData(m, dlrCode, statusCode), now);
}

async function recordOne(trx: Trx, outcome: DeliveryOutcome, now: number): Promise<void> {
  const m = outcome.message;
  switch (outcome.kind) {
    case "submitted": {
      await trx
        .updateTable("messages")
        .set({ status_code: Status.TRANSMITTED, is_sent: 1, gateway_sent_at: Math.floor(outcome.at / 1000), updated_at: now })
        .where("uuid", "=", m.uuid)
        .execute();
      await trx.deleteFrom("queue").where("message_uuid", "=", m.uuid).execute();
      await trx
        .insertInto("message_parts")
        .values(
          outcome.smscIds.map((smscId, i) => ({
            message_uuid: m.uuid,
            part_index: i,
            connector_id: outcome.connectorId,
            smsc_id: smscId,
            state: "ENROUTE",
            error_code: null,
            updated_at: now,
          })),
        )
        .onConflict((oc) => oc.columns(["message_uuid", "part_index"]).doNothing())
        .execute();
      await setDlr(trx, { ...m, statusCode: Status.TRANSMITTED }, Dlr.EN_ROUTE, Status.TRANSMITTED, now);
      // Receipts that overtook this record are applied now.
      const early = await trx
        .selectFrom("pending_receipts")
        .selectAll()
        .where("connector_id", "=", outcome.connectorId)
        .where("smsc_id", "in", outcome.smscIds)
        .execute();
      if (early.length > 0) {
        await trx.deleteFrom("pending_receipts").where("id", "in", early.map((r) => r.id)).execute();
        for (const r of early) {
          await applyReceipt(trx, { connectorId: r.connector_id, smscId: r.smsc_id, state: r.state as PartState, ...(r.error_code !== null ? { errorCode: r.error_code } : {}) }, now);
        }
      }
      return;
    }
    case "retry":
      await trx
        .updateTable("queue")
        .set((eb) => ({
          due_at: outcome.dueAt,
          attempts: outcome.countAttempt ? eb("attempts", "+", 1) : eb.ref("attempts"),
          lease_owner: null,
          lease_until: null,
          last_error: outcome.error.slice(0, 500),
        }))
        .where("message_uuid", "=", m.uuid)
        .execute();
      return;
    case "failed": {
      const removed = await trx.deleteFrom("queue").where("message_uuid", "=", m.uuid).executeTakeFirst();
      // Only the claim holder ends a message, and only once: a refund must never be paid twice.
      if (Number(removed.numDeletedRows) === 0) return;
      if (outcome.refund && m.priceMicros > 0) {
        await trx
          .updateTable("accounts")
          .set((eb) => ({ balance_micros: eb("balance_micros", "+", m.priceMicros), balance_changed_at: now }))
          .where("id", "=", m.accountId)
          .execute();
      }
      await setDlr(trx, m, outcome.dlrCode, outcome.statusCode, now);
      return;
    }
  }
}

async function applyReceipt(trx: Trx, r: ReceiptUpdate, now: number): Promise<void> {
  const part = await trx
    .selectFrom("message_parts")
    .select(["message_uuid", "part_index"])
    .where("connector_id", "=", r.connectorId)
    .where("smsc_id", "=", r.smscId)
    .executeTakeFirst();
  if (!part) {
    await trx
      .insertInto("pending_receipts")
      .values({ connector_id: r.connectorId, smsc_id: r.smscId, state: r.state, error_code: r.errorCode ?? null, received_at: now })
      .execute();
    return;
  }
  await trx
    .updateTable("message_parts")
    .set({ state: r.state, error_code: r.errorCode ?? null, updated_at: now })
    .where("message_uuid", "=", part.message_uuid)
    .where("part_index", "=", part.part_index)
    .execute();
  const row = await trx.selectFrom("messages").selectAll().where("uuid", "=", part.message_uuid).executeTakeFirst();
  if (!row) return;
  const message = rowToMessage(row);
  if (isFinalDlr(message.dlrCode)) return; // a late or repeated receipt does not reopen a final message
  const states =
    message.partsCount === 1
      ? [r.state]
      : (
          await trx.selectFrom("message_parts").select("state").where("message_uuid", "=", message.uuid).execute()
        ).map((p) => p.state as PartState);
  const dlr = aggregateDlr(states, message.partsCount);
  if (dlr !== message.dlrCode) await setDlr(trx, message, dlr, message.statusCode, now);
}

export function sqlDeliveryStore(db: Db): DeliveryStore {
  const { kysely, dialect } = db;
  type Op = { kind: "outcomes"; items: DeliveryOutcome[]; now: number } | { kind: "receipts"; items: ReceiptUpdate[]; now: number };
  // One writer for all delivery state, so a receipt is never applied before the submit it follows.
  const writer = new GroupCommit<Op, void>((ops) =>
    kysely.transaction().execute(async (trx) => {
      for (const op of ops) {
        if (op.kind === "outcomes") for (const o of op.items) await recordOne(trx, o, op.now);
        else for (const r of op.items) await applyReceipt(trx, r, op.now);
      }
      return ops.map(() => undefined);
    }),
  );

  return {
    async claimDue(owner, now, limit, leaseMs, onlyPriority): Promise<ClaimedMessage[]> {
      let due = kysely
        .selectFrom("queue")
        .select("message_uuid")
        .where("due_at", "<=", now)
        .$if(onlyPriority !== undefined, (q) => q.where("priority", "=", onlyPriority!))
        .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", now)]))
        .orderBy("priority")
        .orderBy("due_at")
        .limit(limit);
      // Several processes share a PostgreSQL queue: each takes rows the others have not locked.
      if (dialect === "postgres") due = due.forUpdate().skipLocked();
      const claimed = await kysely
        .updateTable("queue")
        .set({ lease_owner: owner, lease_until: now + leaseMs })
        .where("message_uuid", "in", due)
        .returning(["message_uuid", "attempts"])
        .execute();
      if (claimed.length === 0) return [];
      const rows = await kysely
        .selectFrom("messages")
        .selectAll()
        .where("uuid", "in", claimed.map((c) => c.message_uuid))
        .execute();
      const attempts = new Map(claimed.map((c) => [c.message_uuid, c.attempts]));
      return rows
        .map((row) => ({ message: rowToMessage(row), attempts: attempts.get(row.uuid) ?? 0 }))
        .sort((a, b) => a.message.priority - b.message.priority);
    },

    async renewLeases(owner, uuids, until) {
      for (let i = 0; i < uuids.length; i += 500) {
        await kysely
          .updateTable("queue")
          .set({ lease_until: until })
          .where("lease_owner", "=", owner)
          .where("message_uuid", "in", uuids.slice(i, i + 500))
          .execute();
      }
    },

    record: (outcomes, now) => writer.submit({ kind: "outcomes", items: outcomes, now }),
    applyReceipts: (receipts, now) => writer.submit({ kind: "receipts", items: receipts, now }),

    async expireStale(sentBefore, now) {
      const stale = await kysely
        .selectFrom("messages")
        .selectAll()
        .where("status_code", "=", Status.TRANSMITTED)
        .where("dlr_code", "in", [Dlr.NONE, Dlr.EN_ROUTE])
        .where("gateway_sent_at", "<", Math.floor(sentBefore / 1000))
        .limit(1000)
        .execute();
      if (stale.length === 0) return 0;
      await kysely.transaction().execute(async (trx) => {
        for (const row of stale) await setDlr(trx, rowToMessage(row), Dlr.EXPIRED, Status.TRANSMITTED, now);
      });
      return stale.length;
    },

    async queueDepth() {
      const rows = await kysely
        .selectFrom("queue")
        .select(["priority", (eb) => eb.fn.countAll<number>().as("n")])
        .groupBy("priority")
        .execute();
      const of = (p: number) => Number(rows.find((r) => Number(r.priority) === p)?.n ?? 0);
      return { transactional: of(0), bulk: of(1) };
    },
  };
}
