/**
 * Parts of a message's later submissions. Delivery is at least once: a dispatcher that stalls past its
 * lease (or crashes) lets another claim and submit the message again, and both record what they did.
 * The message follows the submit recorded first (its parts are in message_parts); the parts of any later
 * one are kept here, so that their receipts find their message (and change nothing) instead of waiting
 * in pending_receipts for a submit that is already recorded.
 */
import type { Kysely } from "kysely";
import { big, notNull } from "./helpers.js";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("resubmitted_parts")
    .addColumn("connector_id", "text", notNull)
    .addColumn("smsc_id", "text", notNull)
    .addColumn("message_uuid", "text", notNull)
    .addColumn("part_index", "integer", notNull)
    .addColumn("state", "text", notNull)
    .addColumn("error_code", "integer")
    .addColumn("updated_at", big, notNull)
    // Receipts look their part up by (connector, SMSC id), this key's prefix.
    .addPrimaryKeyConstraint("resubmitted_parts_pk", ["connector_id", "smsc_id", "message_uuid"])
    .execute();
}
