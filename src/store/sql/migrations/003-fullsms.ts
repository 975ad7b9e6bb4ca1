/** FullSMS: account numbers, sender IDs, templates, contact lists and opt-outs, campaigns, short links. */
import type { Kysely } from "kysely";
import type { Dialect } from "../db.js";
import { big, notNull, withId } from "./helpers.js";

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const account = (c: Parameters<typeof notNull>[0]) => c.notNull().references("accounts.id");

  await withId(db.schema.createTable("account_numbers"), dialect)
    .addColumn("account_id", big, account)
    .addColumn("number", "text", (c) => c.notNull().unique())
    .addColumn("country", "text", notNull)
    .addColumn("created_at", big, notNull)
    .execute();
  await db.schema.createIndex("account_numbers_account").on("account_numbers").column("account_id").execute();

  await withId(db.schema.createTable("sender_ids"), dialect)
    .addColumn("account_id", big, account)
    .addColumn("name", "text", notNull)
    .addColumn("status", "text", notNull)
    .addColumn("created_at", big, notNull)
    .addColumn("decided_at", big)
    .addUniqueConstraint("sender_ids_account_name", ["account_id", "name"])
    .execute();

  await withId(db.schema.createTable("message_templates"), dialect)
    .addColumn("account_id", big, account)
    .addColumn("name", "text", notNull)
    .addColumn("content", "text", notNull)
    .addColumn("created_at", big, notNull)
    .execute();
  await db.schema.createIndex("message_templates_account").on("message_templates").column("account_id").execute();

  await withId(db.schema.createTable("contact_lists"), dialect)
    .addColumn("account_id", big, account)
    .addColumn("name", "text", notNull)
    .addColumn("subscribe_word", "text")
    .addColumn("created_at", big, notNull)
    .execute();
  await db.schema.createIndex("contact_lists_account").on("contact_lists").column("account_id").execute();

  // The primary key (list_id, phone) serves keyset expansion: an index range scan per list, in phone order.
  await db.schema
    .createTable("contacts")
    .addColumn("list_id", big, (c) => c.notNull().references("contact_lists.id").onDelete("cascade"))
    .addColumn("phone", "text", notNull)
    .addColumn("subscribed", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", big, notNull)
    .addPrimaryKeyConstraint("contacts_pk", ["list_id", "phone"])
    .execute();
  await db.schema.createIndex("contacts_phone").on("contacts").column("phone").execute();

  await db.schema
    .createTable("opt_outs")
    .addColumn("account_id", big, account)
    .addColumn("phone", "text", notNull)
    .addColumn("created_at", big, notNull)
    .addPrimaryKeyConstraint("opt_outs_pk", ["account_id", "phone"])
    .execute();

  await db.schema
    .createTable("campaigns")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("account_id", big, account)
    .addColumn("key_id", big)
    .addColumn("kind", "text", notNull)
    .addColumn("sender", "text", notNull)
    .addColumn("text", "text", notNull)
    .addColumn("template_id", big)
    .addColumn("list_ids", "text")
    .addColumn("deliver_at", big, notNull)
    .addColumn("shorten_links", "integer", notNull)
    .addColumn("link_base", "text")
    .addColumn("priority", "integer", notNull)
    .addColumn("ip", "text")
    .addColumn("status", "text", notNull)
    .addColumn("cursor", "text")
    .addColumn("enqueued", big, (c) => c.notNull().defaultTo(0))
    .addColumn("skipped", big, (c) => c.notNull().defaultTo(0))
    .addColumn("debited_micros", big, (c) => c.notNull().defaultTo(0))
    .addColumn("failure_reason", "text")
    .addColumn("lease_owner", "text")
    .addColumn("lease_until", big)
    .addColumn("created_at", big, notNull)
    .addColumn("updated_at", big, notNull)
    .addColumn("finished_at", big)
    .execute();
  await db.schema.createIndex("campaigns_status").on("campaigns").column("status").execute();
  await db.schema.createIndex("campaigns_account").on("campaigns").columns(["account_id", "created_at"]).execute();

  await db.schema
    .createTable("short_links")
    .addColumn("code", "text", (c) => c.primaryKey())
    .addColumn("account_id", big, account)
    .addColumn("message_uuid", "text", notNull)
    .addColumn("url", "text", notNull)
    .addColumn("created_at", big, notNull)
    .execute();
  await db.schema.createIndex("short_links_message").on("short_links").column("message_uuid").execute();

  await withId(db.schema.createTable("link_clicks"), dialect)
    .addColumn("code", "text", notNull)
    .addColumn("account_id", big, notNull)
    .addColumn("message_uuid", "text", notNull)
    .addColumn("ip", "text")
    .addColumn("user_agent", "text")
    .addColumn("referer", "text")
    .addColumn("created_at", big, notNull)
    .execute();
  await db.schema.createIndex("link_clicks_message").on("link_clicks").columns(["message_uuid", "id"]).execute();
}
