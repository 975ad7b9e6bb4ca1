/**
 * Safe sending (issue 16): idempotency keys with their stored answers, each account's anti-pumping
 * settings, refusal counters per rule and day, and the OTP conversion guard's counts per prefix.
 * IF NOT EXISTS throughout: a gateway and a CLI starting together on SQLite could both run it.
 */
import type { Kysely } from "kysely";
import { big, notNull } from "./helpers.js";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("idempotency_keys")
    .ifNotExists()
    .addColumn("account_id", big, notNull)
    .addColumn("key", "text", notNull)
    .addColumn("fingerprint", "text", notNull)
    // in_flight while the first request runs, done once its answer is stored.
    .addColumn("state", "text", notNull)
    .addColumn("status", "integer")
    .addColumn("content_type", "text")
    .addColumn("body", "text")
    .addColumn("created_at", big, notNull)
    .addColumn("expires_at", big, notNull)
    .addPrimaryKeyConstraint("idempotency_keys_pk", ["account_id", "key"])
    .execute();
  await db.schema
    .createIndex("idempotency_keys_expires_at")
    .ifNotExists()
    .on("idempotency_keys")
    .column("expires_at")
    .execute();

  // NULL = the gateway's default (config fraud.*), so defaults can change later.
  await db.schema
    .createTable("fraud_settings")
    .ifNotExists()
    .addColumn("account_id", big, (c) => c.primaryKey().references("accounts.id"))
    .addColumn("countries", "text")
    .addColumn("account_limit", "integer")
    .addColumn("prefix_limit", "integer")
    .execute();

  await db.schema
    .createTable("fraud_refusals")
    .ifNotExists()
    .addColumn("account_id", big, notNull)
    .addColumn("rule", "text", notNull)
    .addColumn("day", "text", notNull)
    .addColumn("count", big, notNull)
    .addColumn("last_at", big, notNull)
    .addColumn("last_detail", "text", notNull)
    .addPrimaryKeyConstraint("fraud_refusals_pk", ["account_id", "rule", "day"])
    .execute();

  // The OTP conversion guard's counts per account, destination prefix and time bucket: a check sums the
  // window's few buckets instead of counting the OTPs themselves (a busy prefix has thousands an hour).
  await db.schema
    .createTable("otp_conversion")
    .ifNotExists()
    .addColumn("account_id", big, notNull)
    .addColumn("prefix", "text", notNull)
    .addColumn("bucket", big, notNull)
    .addColumn("created", big, notNull)
    .addColumn("verified", big, notNull)
    .addPrimaryKeyConstraint("otp_conversion_pk", ["account_id", "prefix", "bucket"])
    .execute();
}
