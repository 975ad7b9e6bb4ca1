/**
 * Receipts of copies whose submit_sm_resp was lost (see core/delivery/unknown-receipts.ts). A receipt whose
 * id matches no part keeps what it says of its message: its addresses (source_addr = the original
 * destination, normalised as compared), submit date and text. And each submit attempt whose outcome was
 * unknown is kept with its message part, connector, destination and time, so the two can be paired.
 */
import type { Kysely } from "kysely";
import type { Dialect } from "../db.js";
import { big, notNull, withId } from "./helpers.js";

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const columns: [string, "text" | typeof big][] = [
    ["source_addr", "text"],
    ["destination_addr", "text"],
    ["submitted_at", big],
    ["text_prefix", "text"],
  ];
  for (const [name, type] of columns) {
    // SQLite has no ADD COLUMN IF NOT EXISTS: a second process running this finds the column there already.
    try {
      await db.schema.alterTable("pending_receipts").addColumn(name, type).execute();
    } catch (error) {
      if (!/duplicate column|already exists/i.test((error as Error).message)) throw error;
    }
  }
  // IF NOT EXISTS: on SQLite, Kysely's migration lock does not span processes (see 006).
  await db.schema
    .createIndex("pending_receipts_source")
    .ifNotExists()
    .on("pending_receipts")
    .columns(["connector_id", "source_addr"])
    .execute();

  await withId(db.schema.createTable("unknown_submits").ifNotExists(), dialect)
    .addColumn("message_uuid", "text", notNull)
    .addColumn("part_index", "integer", notNull)
    .addColumn("connector_id", "text", notNull)
    // The message's destination, normalised as receipts' source_addr is.
    .addColumn("destination", "text", notNull)
    .addColumn("source", "text", notNull)
    .addColumn("text_prefix", "text", notNull)
    .addColumn("sent_at", big, notNull)
    .addColumn("recorded_at", big, notNull)
    .execute();
  await db.schema
    .createIndex("unknown_submits_destination")
    .ifNotExists()
    .on("unknown_submits")
    .columns(["connector_id", "destination"])
    .execute();
  await db.schema
    .createIndex("unknown_submits_message")
    .ifNotExists()
    .on("unknown_submits")
    .column("message_uuid")
    .execute();
  await db.schema
    .createIndex("unknown_submits_recorded_at")
    .ifNotExists()
    .on("unknown_submits")
    .column("recorded_at")
    .execute();
}
