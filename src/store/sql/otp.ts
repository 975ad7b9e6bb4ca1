/**
 * OTP storage. Every state change is a conditional UPDATE on the row's status (and attempt count), so
 * concurrent verifies and cancels resolve to exactly one outcome on SQLite and PostgreSQL alike: on
 * PostgreSQL a second UPDATE waits for the first's row lock and then re-checks its WHERE clause; on
 * SQLite writes are serialised by the database lock.
 */
import { type Generated, sql, type Transaction } from "kysely";
import type { OtpStatus } from "../../core/otp.js";
import type { OtpCheck, OtpRecord, OtpStore } from "../ports/otp.js";
import type { Database, Db } from "./db.js";

export interface OtpsTable {
  id: string;
  account_id: number;
  phone: string;
  sender: string;
  brand: string;
  code_hash: string;
  status: string;
  attempts: number;
  created_at: number;
  expires_at: number;
  last_check_at: number | null;
  finished_at: number | null;
  message_uuid: string;
}

export interface OtpChecksTable {
  id: Generated<number>;
  otp_id: string;
  checked_at: number;
  /** The code that was tried (an attempt, not the secret; see app/otp/verify-otp.ts). */
  code: string;
  valid: number;
}

export interface OtpLimitsTable {
  account_id: number;
  max_active: number | null;
  daily_quota: number | null;
}

export interface OtpVerifyCountsTable {
  account_id: number;
  day: string;
  count: number;
}

export interface OtpTables {
  otps: OtpsTable;
  otp_checks: OtpChecksTable;
  otp_limits: OtpLimitsTable;
  otp_verify_counts: OtpVerifyCountsTable;
}

/** Namespace of the PostgreSQL advisory lock that serialises OTP creation per account ("OTP"). */
const LOCK_NAMESPACE = 0x4f5450;

function rowToOtp(r: OtpsTable): OtpRecord {
  return {
    id: r.id,
    accountId: Number(r.account_id),
    phone: r.phone,
    sender: r.sender,
    brand: r.brand,
    codeHash: r.code_hash,
    status: r.status as OtpStatus,
    attempts: r.attempts,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    lastCheckAt: r.last_check_at === null ? null : Number(r.last_check_at),
    finishedAt: r.finished_at === null ? null : Number(r.finished_at),
    messageUuid: r.message_uuid,
  };
}

/**
 * Makes concurrent creates of one account take turns. PostgreSQL: a transaction-scoped advisory lock
 * (not a lock on the accounts row, which would make OTPs wait for a campaign's debit). SQLite: the
 * first statement of the transaction is a write, so the database's write lock is taken up front.
 */
async function lockAccount(
  trx: Transaction<Database>,
  db: Db,
  accountId: number,
  now: number,
): Promise<void> {
  if (db.dialect === "postgres") {
    await sql`select pg_advisory_xact_lock(${LOCK_NAMESPACE}, ${accountId % 2 ** 31})`.execute(trx);
  }
  // Lazily persist expiry of the account's stale OTPs, so counts and statuses agree.
  await trx
    .updateTable("otps")
    .set((eb) => ({ status: "expired", finished_at: eb.ref("expires_at") }))
    .where("account_id", "=", accountId)
    .where("status", "=", "in_progress")
    .where("expires_at", "<=", now)
    .execute();
}

export function sqlOtpStore(db: Db): OtpStore {
  const { kysely } = db;
  return {
    reserve(otp, rules) {
      return kysely.transaction().execute(async (trx) => {
        await lockAccount(trx, db, otp.accountId, rules.now);
        const active = trx
          .selectFrom("otps")
          .where("account_id", "=", otp.accountId)
          .where("status", "=", "in_progress")
          .where("expires_at", ">", rules.now);
        const sameNumber = await active
          .where("phone", "=", otp.phone)
          .select((eb) => [
            "id",
            "created_at",
            // Its SMS not stored yet: the reservation of a create still running (see app/otp/create-otp.ts).
            eb
              .not(
                eb.exists(
                  eb
                    .selectFrom("messages")
                    .select("uuid")
                    .whereRef("messages.uuid", "=", "otps.message_uuid"),
                ),
              )
              .as("in_flight"),
          ])
          .execute();
        // Only within the window: a reservation that never got its SMS (held by the OTP conversion guard, or
        // left by a crashed create) must not block the number for the OTP's whole lifetime.
        const recent = sameNumber.filter((o) => Number(o.created_at) > rules.sameNumberSince);
        if (recent.some((o) => Boolean(o.in_flight))) return "in_flight";
        if (recent.length > 0) return "same_number";
        const { n } = await active.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
        // The OTPs this one replaces free their slots.
        if (Number(n) - sameNumber.length >= rules.maxActive) return "concurrent_limit";
        if (sameNumber.length > 0) {
          await trx
            .updateTable("otps")
            .set({ status: "cancelled", finished_at: rules.now })
            .where(
              "id",
              "in",
              sameNumber.map((o) => o.id),
            )
            .where("status", "=", "in_progress")
            .execute();
        }
        await trx
          .insertInto("otps")
          .values({
            id: otp.id,
            account_id: otp.accountId,
            phone: otp.phone,
            sender: otp.sender,
            brand: otp.brand,
            code_hash: otp.codeHash,
            status: otp.status,
            attempts: otp.attempts,
            created_at: otp.createdAt,
            expires_at: otp.expiresAt,
            last_check_at: otp.lastCheckAt,
            finished_at: otp.finishedAt,
            message_uuid: otp.messageUuid,
          })
          .execute();
        return "reserved";
      });
    },

    async remove(id) {
      await kysely.deleteFrom("otps").where("id", "=", id).execute();
    },

    async get(accountId, id) {
      const row = await kysely
        .selectFrom("otps")
        .selectAll()
        .where("id", "=", id)
        .where("account_id", "=", accountId)
        .executeTakeFirst();
      return row && rowToOtp(row);
    },

    async checks(id) {
      const rows = await kysely
        .selectFrom("otp_checks")
        .select(["checked_at", "code", "valid"])
        .where("otp_id", "=", id)
        .orderBy("id")
        .execute();
      return rows.map(
        (r): OtpCheck => ({ checkedAt: Number(r.checked_at), code: r.code, valid: r.valid === 1 }),
      );
    },

    recordCheck(id, seenAttempts, next, check) {
      return kysely.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable("otps")
          .set({
            status: next.status,
            attempts: next.attempts,
            last_check_at: check.checkedAt,
            finished_at: next.status === "in_progress" ? null : check.checkedAt,
          })
          .where("id", "=", id)
          .where("status", "=", "in_progress")
          .where("attempts", "=", seenAttempts)
          .where("expires_at", ">", check.checkedAt)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1) return false;
        await trx
          .insertInto("otp_checks")
          .values({ otp_id: id, checked_at: check.checkedAt, code: check.code, valid: check.valid ? 1 : 0 })
          .execute();
        return true;
      });
    },

    async finish(id, status, now) {
      let query = kysely
        .updateTable("otps")
        .where("id", "=", id)
        .where("status", "=", "in_progress")
        .set((eb) => ({ status, finished_at: status === "expired" ? eb.ref("expires_at") : eb.val(now) }));
      // Expiry only once it is due; a cancel only while the OTP could still be used.
      query =
        status === "expired" ? query.where("expires_at", "<=", now) : query.where("expires_at", ">", now);
      const result = await query.executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async takeVerifyQuota(accountId, day, quota) {
      const inserted = await kysely
        .insertInto("otp_verify_counts")
        .values({ account_id: accountId, day, count: 0 })
        .onConflict((oc) => oc.columns(["account_id", "day"]).doNothing())
        .executeTakeFirst();
      // The first call of a new day clears the account's older counters: they only ever matter today.
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) {
        await kysely
          .deleteFrom("otp_verify_counts")
          .where("account_id", "=", accountId)
          .where("day", "<", day)
          .execute();
      }
      // Check and increment in one statement: concurrent calls cannot both take the last unit.
      const taken = await kysely
        .updateTable("otp_verify_counts")
        .set((eb) => ({ count: eb("count", "+", 1) }))
        .where("account_id", "=", accountId)
        .where("day", "=", day)
        .where("count", "<", quota)
        .executeTakeFirst();
      return Number(taken.numUpdatedRows) === 1;
    },

    async getLimits(accountId) {
      const row = await kysely
        .selectFrom("otp_limits")
        .select(["max_active", "daily_quota"])
        .where("account_id", "=", accountId)
        .executeTakeFirst();
      return {
        ...(row?.max_active != null ? { maxActive: row.max_active } : {}),
        ...(row?.daily_quota != null ? { dailyQuota: row.daily_quota } : {}),
      };
    },

    async setLimits(accountId, limits) {
      const values = {
        ...(limits.maxActive !== undefined ? { max_active: limits.maxActive } : {}),
        ...(limits.dailyQuota !== undefined ? { daily_quota: limits.dailyQuota } : {}),
      };
      if (Object.keys(values).length === 0) return;
      await kysely
        .insertInto("otp_limits")
        .values({ account_id: accountId, max_active: null, daily_quota: null, ...values })
        .onConflict((oc) => oc.column("account_id").doUpdateSet(values))
        .execute();
    },
  };
}
