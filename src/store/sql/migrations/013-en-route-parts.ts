/**
 * The gateway asks the SMSC (query_sm) about parts still en route past an age: this index finds them by
 * state and submit time without scanning every part ever sent.
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
}
