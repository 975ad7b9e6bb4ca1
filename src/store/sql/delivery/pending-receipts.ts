/**
 * Receipts that wait in pending_receipts for the submit record of their part: taken when that record is
 * made, taken later by maintenance if they missed it, dropped once their submit can no longer come.
 */
import type { Kysely, Selectable } from "kysely";
import { AWAITING_RECEIPT, type PartState } from "../../../core/delivery-state.js";
import type { ReceiptUpdate } from "../../ports/index.js";
import { paddedChunks } from "../bulk.js";
import type { Database, Dialect } from "../db.js";
import type { PendingReceiptsTable } from "../schema.js";
import type { Timed, Trx } from "./types.js";

export function pendingToReceipt(r: Selectable<PendingReceiptsTable>): ReceiptUpdate {
  return {
    connectorId: r.connector_id,
    smscId: r.smsc_id,
    state: r.state as PartState,
    ...(r.error_code !== null ? { errorCode: r.error_code } : {}),
    ...(r.source_addr !== null ? { source: r.source_addr } : {}),
    ...(r.destination_addr !== null ? { destination: r.destination_addr } : {}),
    ...(r.submitted_at !== null ? { submittedAt: Number(r.submitted_at) } : {}),
    ...(r.text_prefix !== null ? { text: r.text_prefix } : {}),
  };
}

/**
 * Takes the receipts waiting for these submits, oldest first, each timed as its submit's record. Only
 * rows this statement deleted are applied: another process's maintenance may take the same rows meanwhile
 * (their part may be recorded already, by a submit of the same SMSC id) and applies them itself. Rows
 * another transaction holds are passed by rather than waited for: every transaction that locks them
 * deletes them, and waiting could close a lock cycle (applying them, the other may need a message this
 * writer has locked). Should it roll back, this submit's part is recorded by then and the next maintenance
 * takes the row.
 */
export async function takeEarlyReceipts(
  trx: Trx,
  dialect: Dialect,
  submitted: readonly Timed<{ connectorId: string; smscIds: readonly string[] }>[],
): Promise<Timed<ReceiptUpdate>[]> {
  const submittedAt = new Map<string, number>();
  const byConnector = new Map<string, string[]>();
  for (const { item, now } of submitted) {
    for (const smscId of item.smscIds) submittedAt.set(`${item.connectorId}\0${smscId}`, now);
    const smscIds = byConnector.get(item.connectorId) ?? [];
    smscIds.push(...item.smscIds);
    byConnector.set(item.connectorId, smscIds);
  }
  const early: { id: number; receipt: Timed<ReceiptUpdate> }[] = [];
  for (const [connectorId, smscIds] of byConnector) {
    for (const chunk of paddedChunks(smscIds)) {
      const rows = await trx
        .deleteFrom("pending_receipts")
        .where("id", "in", (eb) =>
          eb
            .selectFrom("pending_receipts as p")
            .select("p.id")
            .where("p.connector_id", "=", connectorId)
            .where("p.smsc_id", "in", chunk)
            .$if(dialect === "postgres", (q) => q.forUpdate().skipLocked()),
        )
        .returningAll()
        .execute();
      for (const r of rows) {
        early.push({
          id: Number(r.id),
          receipt: { item: pendingToReceipt(r), now: submittedAt.get(`${r.connector_id}\0${r.smsc_id}`)! },
        });
      }
    }
  }
  return early.sort((a, b) => a.id - b.id).map((e) => e.receipt);
}

/**
 * Takes the waiting receipts whose part is recorded by now (and still awaits a receipt: SMSC ids repeat). On PostgreSQL a receipt can miss its part
 * while another process's submit record is not yet committed, and be stored as waiting only after that
 * record looked for receipts waiting for it: nothing else would ever apply it. Rows another transaction
 * holds are being taken by it (a submit record, another process's maintenance) and are skipped.
 */
export async function takeMatchedReceipts(
  trx: Trx,
  dialect: Dialect,
  now: number,
): Promise<Timed<ReceiptUpdate>[]> {
  const rows = await trx
    .deleteFrom("pending_receipts")
    .where("id", "in", (eb) =>
      eb
        .selectFrom("pending_receipts as p")
        .select("p.id")
        .where((w) =>
          w.or([
            w.exists(
              w
                .selectFrom("message_parts as mp")
                .select("mp.part_index")
                .whereRef("mp.connector_id", "=", "p.connector_id")
                .whereRef("mp.smsc_id", "=", "p.smsc_id")
                .where("mp.state", "in", AWAITING_RECEIPT),
            ),
            w.exists(
              w
                .selectFrom("resubmitted_parts as rp")
                .select("rp.part_index")
                .whereRef("rp.connector_id", "=", "p.connector_id")
                .whereRef("rp.smsc_id", "=", "p.smsc_id")
                .where("rp.state", "in", AWAITING_RECEIPT),
            ),
          ]),
        )
        .orderBy("p.id")
        .limit(1000)
        .$if(dialect === "postgres", (q) => q.forUpdate().skipLocked()),
    )
    .returningAll()
    .execute();
  return rows.sort((a, b) => Number(a.id) - Number(b.id)).map((r) => ({ item: pendingToReceipt(r), now }));
}

/** How many unmatched receipts one statement drops: a short statement, in or out of the writer's transaction. */
export const DROP_BATCH = 1000;

/**
 * Receipts that waited since before `receivedBefore` (the validity period) wait for a submit that never
 * comes. Drops up to DROP_BATCH of them, oldest first, and says how many went: maintenance repeats it,
 * each time on its own, until a batch comes back short.
 */
export async function dropUnmatchedReceipts(
  trx: Kysely<Database>,
  dialect: Dialect,
  receivedBefore: number,
): Promise<number> {
  const result = await trx
    .deleteFrom("pending_receipts")
    .where("id", "in", (eb) =>
      eb
        .selectFrom("pending_receipts as p")
        .select("p.id")
        .where("p.received_at", "<", receivedBefore)
        .orderBy("p.received_at")
        .limit(DROP_BATCH)
        .$if(dialect === "postgres", (q) => q.forUpdate().skipLocked()),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
