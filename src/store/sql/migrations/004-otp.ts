/** One-time passwords: the OTPs, their checks, per-account limits and the daily verify counters. */
import type { Kysely } from "kysely";
import type { Dialect } from "../db.js";
import { big, notNull, withId } from "./helpers.js";

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable("otps")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("account_id", big, (c) => c.notNull().references("accounts.id"))
    .addColumn("phone", "text", notNull)
    .addColumn("sender", "text", notNull)
    .addColumn("brand", "text", notNull)
    // HMAC-SHA256 hex of the code; there is deliberately no column for the code itself.
    .addColumn("code_hash", "text", notNull)
    .addColumn("status", "text", notNull)
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", big, notNull)
    .addColumn("expires_at", big, notNull)
    .addColumn("last_check_at", big)
    .addColumn("finished_at", big)
    .addColumn("message_uuid", "text", notNull)
    .execute();
  // The create-time limits look up an account's OTPs in progress (all, and those to one number).
  await db.schema
    .createIndex("otps_account_status")
    .on("otps")
    .columns(["account_id", "status", "phone"])
    .execute();

  await withId(db.schema.createTable("otp_checks"), dialect)
    .addColumn("otp_id", "text", (c) => c.notNull().references("otps.id").onDelete("cascade"))
    .addColumn("checked_at", big, notNull)
    .addColumn("code", "text", notNull)
    .addColumn("valid", "integer", notNull)
    .execute();
  await db.schema.createIndex("otp_checks_otp").on("otp_checks").column("otp_id").execute();

  // NULL = the gateway's default (core/otp.ts DEFAULT_OTP_LIMITS), so defaults can change later.
  await db.schema
    .createTable("otp_limits")
    .addColumn("account_id", big, (c) => c.primaryKey().references("accounts.id"))
    .addColumn("max_active", "integer")
    .addColumn("daily_quota", "integer")
    .execute();

  await db.schema
    .createTable("otp_verify_counts")
    .addColumn("account_id", big, notNull)
    .addColumn("day", "text", notNull)
    .addColumn("count", "integer", notNull)
    .addPrimaryKeyConstraint("otp_verify_counts_pk", ["account_id", "day"])
    .execute();
}
