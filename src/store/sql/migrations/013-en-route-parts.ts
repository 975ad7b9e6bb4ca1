/**
 * Delivery under SMSC faults. The gateway asks the SMSC (query_sm) about parts still en route past an age:
 * an index finds them by state and submit time without scanning every part ever sent. And a queue row counts
 * the attempts that were sent and never answered (unknown outcomes): such a message may be on the network,
 * so it is never refunded as unsent.
 */
import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  // IF NOT EXISTS: on SQLite, Kysely's migration lock does not span processes (see 006).
  await db.schema
    .createIndex("message_parts_state_updated")
    .ifNotExists()
    .on("message_parts")
    .columns(["state", "updated_at"])
    .execute();
  // SQLite has no ADD COLUMN IF NOT EXISTS: a second process running this finds the column there already.
  try {
    await db.schema
      .alterTable("queue")
      .addColumn("unknown_outcomes", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
  } catch (error) {
    if (!/duplicate column|already exists/i.test((error as Error).message)) throw error;
  }
}
