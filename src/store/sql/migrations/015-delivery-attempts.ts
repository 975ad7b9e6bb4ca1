/**
 * Every submit attempt outcome and every webhook POST, kept so the console's message timeline survives a
 * restart and shows attempts other processes made. Written in the group commits that record the outcomes
 * (no extra commit); rows older than the validity period are purged by the expiry maintenance.
 */
import type { Kysely } from "kysely";
import type { Dialect } from "../db.js";
import { big, withId } from "./helpers.js";

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  // IF NOT EXISTS: on SQLite, Kysely's migration lock does not span processes (see 006).
  await withId(db.schema.createTable("delivery_attempts").ifNotExists(), dialect)
    // Null for a webhook event that names no message.
    .addColumn("message_uuid", "text")
    .addColumn("at", big, (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull()) // submit | webhook
    .addColumn("outcome", "text", (c) => c.notNull()) // submitted | retry | failed | delivered | dead
    .addColumn("connector_id", "text")
    .addColumn("smsc_ids", "text")
    .addColumn("outbox_id", "text")
    .addColumn("url", "text")
    .addColumn("http_status", "integer")
    .addColumn("error", "text")
    .execute();
  await db.schema
    .createIndex("delivery_attempts_message")
    .ifNotExists()
    .on("delivery_attempts")
    .columns(["message_uuid", "at"])
    .execute();
  await db.schema
    .createIndex("delivery_attempts_at")
    .ifNotExists()
    .on("delivery_attempts")
    .column("at")
    .execute();
}
