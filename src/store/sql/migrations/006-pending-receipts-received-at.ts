/**
 * Maintenance drops the receipts that waited for their submit longer than the validity period, oldest
 * first, a bounded batch at a time: without this index each batch scanned the whole table to find them,
 * however few there were.
 */
import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  // IF NOT EXISTS: on SQLite, Kysely's migration lock does not span processes, so a gateway and a CLI
  // starting together could both run this.
  await db.schema
    .createIndex("pending_receipts_received_at")
    .ifNotExists()
    .on("pending_receipts")
    .column("received_at")
    .execute();
}
