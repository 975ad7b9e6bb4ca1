/**
 * The SMPP server for customers: SMPP credentials of API keys, what each SMPP submit asked for its receipt,
 * and the durable outbox of deliver_sm (receipts and inbound messages) waiting for a customer's bind.
 * Independent of every other migration after 006: it creates only its own tables.
 */
import type { Kysely } from "kysely";
import type { Dialect } from "../db.js";
import { big, notNull, withId } from "./helpers.js";

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  // One SMPP login per API key; the password is kept only as a salted scrypt hash.
  await db.schema
    .createTable("smpp_credentials")
    .ifNotExists()
    .addColumn("system_id", "text", (c) => c.primaryKey())
    .addColumn("key_id", big, (c) => c.notNull().unique())
    .addColumn("password_hash", "text", notNull)
    .addColumn("created_at", big, notNull)
    .execute();

  // Written before the message is accepted, so a receipt that comes back at once finds it.
  await db.schema
    .createTable("smpp_messages")
    .ifNotExists()
    .addColumn("message_uuid", "text", (c) => c.primaryKey())
    .addColumn("account_id", big, notNull)
    .addColumn("registered_delivery", "integer", notNull)
    .addColumn("source_ton", "integer", notNull)
    .addColumn("source_npi", "integer", notNull)
    .addColumn("source_addr", "text", notNull)
    .addColumn("dest_ton", "integer", notNull)
    .addColumn("dest_npi", "integer", notNull)
    .addColumn("dest_addr", "text", notNull)
    .addColumn("valid_until", big, notNull)
    .addColumn("created_at", big, notNull)
    .execute();
  await db.schema
    .createIndex("smpp_messages_valid_until")
    .ifNotExists()
    .on("smpp_messages")
    .column("valid_until")
    .execute();

  // deliver_sm for a customer's receiving bind, removed only once the ESME answered deliver_sm_resp.
  await withId(db.schema.createTable("smpp_outbox").ifNotExists(), dialect)
    .addColumn("account_id", big, notNull)
    .addColumn("kind", "text", notNull)
    .addColumn("body", "text", notNull)
    .addColumn("created_at", big, notNull)
    .addColumn("expires_at", big, notNull)
    .addColumn("lease_until", big, (c) => c.notNull().defaultTo(0))
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex("smpp_outbox_account")
    .ifNotExists()
    .on("smpp_outbox")
    .columns(["account_id", "id"])
    .execute();
}
