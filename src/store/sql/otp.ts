/**
 * OTP storage. Every state change is a conditional UPDATE on the row's status (and attempt count), so
 * concurrent verifies and cancels resolve to exactly one outcome on SQLite and PostgreSQL alike: on
 * PostgreSQL a second UPDATE waits for the first's row lock and then re-checks its WHERE clause; on
 * SQLite writes are serialised by the database lock.
 */
import type { Generated } from "kysely";
import type { OtpStatus } from "../../core/otp.js";
import type { OtpCheck, OtpRecord, OtpStore } from "../ports/otp.js";
import type { Db } from "./db.js";
import { reservations } from "./otp-reserve.js";

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

export function sqlOtpStore(db: Db): OtpStore {
  const { kysely } = db;
  const reserve = reservations(db);
  return {
    reserve: (otp, rules) => reserve({ otp, rules }),

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
