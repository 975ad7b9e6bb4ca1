/**
 * Receipts for customers' ESMEs, written inside the transactions that change a message's status: the hook
 * that turns a final `sms.delivery` event into an outbox row, and the expiry of messages whose own
 * validity_period ended before they were sent.
 */
import type { Kysely, Transaction } from "kysely";
import { recordFailure } from "../../../core/delivery/rules.js";
import type { DeliveryEvent } from "../../../core/delivery/state.js";
import { isFinalDlr } from "../../../core/delivery-state.js";
import { Dlr, Status } from "../../../core/message.js";
import type { WebhookRenderer } from "../../ports/index.js";
import type { SmppReceiptBody } from "../../ports/smpp-server.js";
import { paddedChunks } from "../bulk.js";
import type { Database, Dialect } from "../db.js";
import { Changes, enqueueDeliveryEvents } from "../delivery/changes.js";
import { rowToMessage } from "../messages.js";
import { RECEIPT_MIN_KEEP_MS, type SmppDb } from "./tables.js";

/** The stat of a final message: rejected before reaching a network vs. not delivered by it. */
function statOf(dlrCode: number, statusCode: number): string {
  if (dlrCode === Dlr.DELIVERED) return "DELIVRD";
  if (dlrCode === Dlr.EXPIRED) return "EXPIRED";
  return statusCode === Status.TRANSMITTED ? "UNDELIV" : "REJECTD";
}

/**
 * Called with the domain events of a delivery transaction: a final status of a message submitted over SMPP
 * with registered_delivery queues its receipt, and the receipt request is dropped (the receipt holds it now).
 */
export async function queueSmppReceipts(
  trx: Transaction<Database>,
  events: readonly DeliveryEvent[],
): Promise<void> {
  const finals = new Map<string, { dlr: number; status: number; now: number }>();
  for (const e of events) {
    if (e.dlrCode === Dlr.DELIVERED || e.dlrCode === Dlr.EXPIRED || e.dlrCode === Dlr.REJECTED)
      finals.set(e.message.uuid, { dlr: e.dlrCode, status: e.statusCode, now: e.at });
  }
  if (finals.size === 0) return;
  const db = trx as unknown as SmppDb;
  for (const chunk of paddedChunks([...finals.keys()])) {
    const rows = await db
      .selectFrom("smpp_messages as s")
      .innerJoin("messages as m", "m.uuid", "s.message_uuid")
      .selectAll("s")
      .select(["m.created_at as submitted_at", "m.text as text"])
      .where("s.message_uuid", "in", chunk)
      .execute();
    if (rows.length === 0) continue;
    const outbox = rows.flatMap((r) => {
      const final = finals.get(r.message_uuid)!;
      const wanted = Number(r.registered_delivery) & 3;
      if (wanted === 0 || (wanted === 2 && final.dlr === Dlr.DELIVERED)) return [];
      const body: SmppReceiptBody = {
        id: r.message_uuid,
        stat: statOf(final.dlr, final.status),
        err: final.dlr === Dlr.DELIVERED ? 0 : final.status === Status.TRANSMITTED ? 1 : final.status % 1000,
        submittedAt: Number(r.submitted_at),
        doneAt: final.now,
        text: (r.text ?? "").slice(0, 20),
        handset: { ton: Number(r.dest_ton), npi: Number(r.dest_npi), addr: r.dest_addr },
        esme: { ton: Number(r.source_ton), npi: Number(r.source_npi), addr: r.source_addr },
      };
      return [
        {
          account_id: Number(r.account_id),
          kind: "receipt",
          body: JSON.stringify(body),
          created_at: final.now,
          expires_at: Math.max(Number(r.valid_until), final.now + RECEIPT_MIN_KEEP_MS),
          lease_until: 0,
          attempts: 0,
        },
      ];
    });
    if (outbox.length > 0) await db.insertInto("smpp_outbox").values(outbox).execute();
    await db
      .deleteFrom("smpp_messages")
      .where(
        "message_uuid",
        "in",
        rows.map((r) => r.message_uuid),
      )
      .execute();
  }
}

/**
 * Like the dispatcher's expiry before submission (dlr 8, refunded), for the ESME's own validity_period. Only
 * an unleased queue row is taken, as a cancel does: a claimed message is being submitted right now.
 */
export async function expireUnsent(
  kysely: Kysely<Database>,
  dialect: Dialect,
  render: WebhookRenderer,
  now: number,
  limit: number,
): Promise<number> {
  const db = kysely as unknown as SmppDb;
  // Like the dispatcher's expiry before submission (dlr 8, refunded), for the ESME's own validity_period.
  // Only an unleased queue row is taken, as a cancel does: a claimed message is being submitted now.
  const due = await db
    .selectFrom("smpp_messages as s")
    .innerJoin("messages as m", "m.uuid", "s.message_uuid")
    .select("s.message_uuid")
    .where("s.valid_until", "<=", now)
    .where("m.status_code", "=", Status.NEW)
    .where("m.dlr_code", "not in", [Dlr.DELIVERED, Dlr.EXPIRED, Dlr.REJECTED])
    .orderBy("s.valid_until")
    .limit(limit)
    .execute();
  let expired = 0;
  for (const { message_uuid: uuid } of due) {
    const done = await kysely.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom("messages")
        .selectAll()
        .where("uuid", "=", uuid)
        .$if(dialect === "postgres", (q) => q.forUpdate())
        .executeTakeFirst();
      const message = row && rowToMessage(row);
      const removed =
        message && message.statusCode === Status.NEW && !isFinalDlr(message.dlrCode)
          ? await trx
              .deleteFrom("queue")
              .where("message_uuid", "=", uuid)
              .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", now)]))
              .executeTakeFirst()
          : undefined;
      // Sent or ended meanwhile: its receipt request stays for the final status (or is purged later).
      if (!message || !removed || Number(removed.numDeletedRows) === 0) return false;
      // The dispatcher's own expiry before submission: ended once, refunded (core/delivery/rules.ts).
      const decided = recordFailure(
        { ...message, isTextDeleted: message.isTextDeleted },
        { statusCode: Status.NEW, dlrCode: Dlr.EXPIRED, refund: true, priceMicros: message.priceMicros },
        true,
        now,
      );
      if (!decided) return false;
      const changes = new Changes();
      changes.add(decided);
      await changes.writeStatus(trx);
      if (decided.refundMicros > 0) {
        await trx
          .updateTable("accounts")
          .set((eb) => ({
            balance_micros: eb("balance_micros", "+", decided.refundMicros),
            balance_changed_at: now,
          }))
          .where("id", "=", message.accountId)
          .execute();
      }
      // Raises sms.delivery, and through queueSmppReceipts the EXPIRED receipt the ESME asked for.
      await enqueueDeliveryEvents(trx, changes.events, render);
      return true;
    });
    if (done) expired++;
  }
  return expired;
}
