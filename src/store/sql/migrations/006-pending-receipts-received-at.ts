/**
 * Maintenance drops the receipts that waited for their submit longer than the validity period, oldest
 * first and a bounded batch per run, inside the delivery writer's transaction: without this index each run
 * scanned the whole table to find them, however few there were.
 */
import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex("pending_receipts_received_at").on("pending_receipts").column("received_at").execute();
}
