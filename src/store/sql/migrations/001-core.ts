import type { Kysely } from "kysely";
import type { Dialect } from "../db.js";
import { big, notNull, withId } from "./helpers.js";

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await withId(db.schema.createTable("accounts"), dialect)
    .addColumn("name", "text", notNull)
    .addColumn("country", "text", notNull)
    .addColumn("currency", "text", notNull)
    .addColumn("balance_micros", big, notNull)
    .addColumn("balance_changed_at", big, notNull)
    .addColumn("status", "text", notNull)
    .addColumn("services", "text", notNull)
    .addColumn("is_text_deleted", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("timezone", "text", (c) => c.notNull().defaultTo("UTC"))
    .addColumn("min_balance_micros", big, (c) => c.notNull().defaultTo(0))
    .addColumn("allow_short_links", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("webhook_secret", "text", notNull)
    .addColumn("created_at", big, notNull)
    .execute();

  await withId(db.schema.createTable("api_keys"), dialect)
    .addColumn("account_id", big, (c) => c.notNull().references("accounts.id"))
    .addColumn("secret_hash", "text", notNull)
    .addColumn("name", "text")
    .addColumn("created_at", big, notNull)
    .addColumn("revoked_at", big)
    .execute();
  await db.schema.createIndex("api_keys_account").on("api_keys").column("account_id").execute();

  await db.schema
    .createTable("prices")
    .addColumn("iso2", "text", (c) => c.primaryKey())
    .addColumn("price_micros", big, notNull)
    .execute();

  await db.schema
    .createTable("messages")
    .addColumn("uuid", "text", (c) => c.primaryKey())
    .addColumn("account_id", big, (c) => c.notNull().references("accounts.id"))
    .addColumn("key_id", big)
    .addColumn("text", "text")
    .addColumn("sender_id", "text", notNull)
    .addColumn("phone", "text", notNull)
    .addColumn("iso2", "text")
    .addColumn("delivery_at", big, notNull)
    .addColumn("status_code", "integer", notNull)
    .addColumn("dlr_code", "integer", notNull)
    .addColumn("gateway_sent_at", big, notNull)
    .addColumn("source", big)
    .addColumn("ip", "text")
    .addColumn("created_at", big, notNull)
    .addColumn("is_unicode", "integer", notNull)
    .addColumn("encoding", "text", notNull)
    .addColumn("voice_lang", "text")
    .addColumn("parts_count", "integer", notNull)
    .addColumn("chars_count", "integer", notNull)
    .addColumn("callback_data", "text")
    .addColumn("bulk_id", "text")
    .addColumn("service_code", "text", notNull)
    .addColumn("is_text_deleted", "integer", notNull)
    .addColumn("price_micros", big, notNull)
    .addColumn("is_sent", "integer", notNull)
    .addColumn("attempts_count_max", "integer")
    .addColumn("priority", "integer", notNull)
    .addColumn("updated_at", big, notNull)
    .execute();
  await db.schema
    .createIndex("messages_account_created")
    .on("messages")
    .columns(["account_id", "created_at"])
    .execute();
  await db.schema.createIndex("messages_bulk").on("messages").column("bulk_id").execute();

  await db.schema
    .createTable("queue")
    .addColumn("message_uuid", "text", (c) => c.primaryKey())
    .addColumn("priority", "integer", notNull)
    .addColumn("due_at", big, notNull)
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("lease_owner", "text")
    .addColumn("lease_until", big)
    .addColumn("last_error", "text")
    .execute();
  await db.schema.createIndex("queue_due").on("queue").columns(["priority", "due_at"]).execute();

  await db.schema
    .createTable("settings")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("value", "text", notNull)
    .execute();
}
