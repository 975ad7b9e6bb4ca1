import type { Kysely } from "kysely";
import type { Dialect } from "../db.js";
import { big, notNull, withId } from "./helpers.js";

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  // One row per submitted part: how a receipt (connector + SMSC id) finds its message.
  await db.schema
    .createTable("message_parts")
    .addColumn("message_uuid", "text", notNull)
    .addColumn("part_index", "integer", notNull)
    .addColumn("connector_id", "text", notNull)
    .addColumn("smsc_id", "text", notNull)
    .addColumn("state", "text", notNull)
    .addColumn("error_code", "integer")
    .addColumn("updated_at", big, notNull)
    .addPrimaryKeyConstraint("message_parts_pk", ["message_uuid", "part_index"])
    .execute();
  await db.schema
    .createIndex("message_parts_smsc")
    .on("message_parts")
    .columns(["connector_id", "smsc_id"])
    .execute();

  // Receipts that arrived before their submit was recorded (an SMSC may answer that fast).
  await withId(db.schema.createTable("pending_receipts"), dialect)
    .addColumn("connector_id", "text", notNull)
    .addColumn("smsc_id", "text", notNull)
    .addColumn("state", "text", notNull)
    .addColumn("error_code", "integer")
    .addColumn("received_at", big, notNull)
    .execute();
  await db.schema
    .createIndex("pending_receipts_smsc")
    .on("pending_receipts")
    .columns(["connector_id", "smsc_id"])
    .execute();

  await withId(db.schema.createTable("webhooks"), dialect)
    .addColumn("account_id", big, (c) => c.notNull().references("accounts.id"))
    .addColumn("url", "text", notNull)
    .addColumn("created_at", big, notNull)
    .execute();
  await db.schema.createIndex("webhooks_account").on("webhooks").column("account_id").execute();

  // The durable outbox: one row per (event, callback URL), retried until a 2xx or the attempt limit.
  await db.schema
    .createTable("webhook_outbox")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("event_id", "text", notNull)
    .addColumn("account_id", big, notNull)
    .addColumn("url", "text", notNull)
    .addColumn("name", "text", notNull)
    .addColumn("data", "text", notNull)
    .addColumn("created_at", big, notNull)
    .addColumn("attempts", "integer", notNull)
    .addColumn("next_attempt_at", big, notNull)
    .addColumn("status", "text", notNull)
    .addColumn("lease_until", big)
    .addColumn("last_error", "text")
    .execute();
  await db.schema
    .createIndex("webhook_outbox_due")
    .on("webhook_outbox")
    .columns(["status", "next_attempt_at"])
    .execute();

  await db.schema
    .createTable("inbound_messages")
    .addColumn("uuid", "text", (c) => c.primaryKey())
    .addColumn("account_id", big)
    .addColumn("connector_id", "text", notNull)
    .addColumn("sender", "text", notNull)
    .addColumn("recipient", "text", notNull)
    .addColumn("text", "text", notNull)
    .addColumn("received_at", big, notNull)
    .execute();
  await db.schema
    .createIndex("inbound_account")
    .on("inbound_messages")
    .columns(["account_id", "received_at"])
    .execute();
}
