/**
 * Safe-sending storage over Kysely, one implementation for SQLite and PostgreSQL. An idempotency claim is
 * an INSERT … ON CONFLICT DO NOTHING: the primary key (account, key) lets exactly one of concurrent claims
 * insert; on PostgreSQL the others wait for its commit and then see its row. Taking over an expired or
 * abandoned key is a compare-and-set on what was read.
 */
import type { FraudStore, IdempotencyStore, StoredResponse } from "../ports/safety.js";
import type { Db } from "./db.js";

export interface IdempotencyKeysTable {
  account_id: number;
  key: string;
  fingerprint: string;
  state: string;
  status: number | null;
  content_type: string | null;
  body: string | null;
  created_at: number;
  expires_at: number;
}

export interface FraudSettingsTable {
  account_id: number;
  countries: string | null;
  account_limit: number | null;
  prefix_limit: number | null;
}

export interface FraudRefusalsTable {
  account_id: number;
  rule: string;
  day: string;
  count: number;
  last_at: number;
  last_detail: string;
}

export interface OtpConversionTable {
  account_id: number;
  prefix: string;
  bucket: number;
  created: number;
  verified: number;
}

export interface SafetyTables {
  otp_conversion: OtpConversionTable;
  idempotency_keys: IdempotencyKeysTable;
  fraud_settings: FraudSettingsTable;
  fraud_refusals: FraudRefusalsTable;
}

/** A taken-over key can lose its compare-and-set only to another takeover; a few rounds settle it. */
const MAX_ROUNDS = 5;

export function sqlIdempotencyStore(db: Db): IdempotencyStore {
  const { kysely } = db;
  const byKey = (accountId: number, key: string) =>
    kysely.selectFrom("idempotency_keys").where("account_id", "=", accountId).where("key", "=", key);

  return {
    async claim(c) {
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const inserted = await kysely
          .insertInto("idempotency_keys")
          .values({
            account_id: c.accountId,
            key: c.key,
            fingerprint: c.fingerprint,
            state: "in_flight",
            status: null,
            content_type: null,
            body: null,
            created_at: c.now,
            expires_at: c.expiresAt,
          })
          .onConflict((oc) => oc.columns(["account_id", "key"]).doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return { kind: "claimed" };

        const row = await byKey(c.accountId, c.key).selectAll().executeTakeFirst();
        if (!row) continue; // purged or released between the two statements: insert again
        const expired = Number(row.expires_at) <= c.now;
        const abandoned = row.state === "in_flight" && Number(row.created_at) < c.abandonedBefore;
        if (expired || abandoned) {
          const taken = await kysely
            .updateTable("idempotency_keys")
            .set({
              fingerprint: c.fingerprint,
              state: "in_flight",
              status: null,
              content_type: null,
              body: null,
              created_at: c.now,
              expires_at: c.expiresAt,
            })
            .where("account_id", "=", c.accountId)
            .where("key", "=", c.key)
            .where("state", "=", row.state)
            .where("created_at", "=", row.created_at)
            .executeTakeFirst();
          if (Number(taken.numUpdatedRows) === 1) return { kind: "claimed" };
          continue;
        }
        if (row.fingerprint !== c.fingerprint) return { kind: "mismatch" };
        if (row.state !== "done") return { kind: "in_flight" };
        const response: StoredResponse = {
          status: row.status ?? 200,
          contentType: row.content_type ?? "application/json",
          body: row.body ?? "",
        };
        return { kind: "replay", response };
      }
      return { kind: "in_flight" };
    },

    async complete(accountId, key, response) {
      await kysely
        .updateTable("idempotency_keys")
        .set({
          state: "done",
          status: response.status,
          content_type: response.contentType,
          body: response.body,
        })
        .where("account_id", "=", accountId)
        .where("key", "=", key)
        .where("state", "=", "in_flight")
        .execute();
    },

    async release(accountId, key) {
      await kysely
        .deleteFrom("idempotency_keys")
        .where("account_id", "=", accountId)
        .where("key", "=", key)
        .where("state", "=", "in_flight")
        .execute();
    },

    async purge(now) {
      const result = await kysely
        .deleteFrom("idempotency_keys")
        .where("expires_at", "<=", now)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

/** Country lists are stored comma-separated; "" would be "no country at all", which the CLI refuses. */
const parseCountries = (value: string | null) => (value === null ? null : value.split(",").filter(Boolean));

export function sqlFraudStore(db: Db): FraudStore {
  const { kysely } = db;
  return {
    async getSettings(accountId) {
      const row = await kysely
        .selectFrom("fraud_settings")
        .selectAll()
        .where("account_id", "=", accountId)
        .executeTakeFirst();
      return {
        countries: parseCountries(row?.countries ?? null),
        accountLimit: row?.account_limit ?? null,
        prefixLimit: row?.prefix_limit ?? null,
      };
    },

    async setSettings(accountId, patch) {
      const values = {
        ...(patch.countries !== undefined
          ? { countries: patch.countries === null ? null : patch.countries.join(",") }
          : {}),
        ...(patch.accountLimit !== undefined ? { account_limit: patch.accountLimit } : {}),
        ...(patch.prefixLimit !== undefined ? { prefix_limit: patch.prefixLimit } : {}),
      };
      if (Object.keys(values).length === 0) return;
      await kysely
        .insertInto("fraud_settings")
        .values({
          account_id: accountId,
          countries: null,
          account_limit: null,
          prefix_limit: null,
          ...values,
        })
        .onConflict((oc) => oc.column("account_id").doUpdateSet(values))
        .execute();
    },

    async addRefusals(counts) {
      if (counts.length === 0) return;
      await kysely.transaction().execute(async (trx) => {
        for (const c of counts) {
          await trx
            .insertInto("fraud_refusals")
            .values({
              account_id: c.accountId,
              rule: c.rule,
              day: c.day,
              count: c.count,
              last_at: c.lastAt,
              last_detail: c.lastDetail,
            })
            .onConflict((oc) =>
              oc.columns(["account_id", "rule", "day"]).doUpdateSet((eb) => ({
                count: eb("fraud_refusals.count", "+", c.count),
                last_at: c.lastAt,
                last_detail: c.lastDetail,
              })),
            )
            .execute();
        }
      });
    },

    async refusals(accountId, sinceDay) {
      const rows = await kysely
        .selectFrom("fraud_refusals")
        .selectAll()
        .where("account_id", "=", accountId)
        .where("day", ">=", sinceDay)
        .orderBy("day", "desc")
        .orderBy("rule")
        .execute();
      return rows.map((r) => ({
        rule: r.rule,
        day: r.day,
        count: Number(r.count),
        lastAt: Number(r.last_at),
        lastDetail: r.last_detail,
      }));
    },

    async countOtp(accountId, prefix, bucket, what, by) {
      await kysely
        .insertInto("otp_conversion")
        .values({
          account_id: accountId,
          prefix,
          bucket,
          created: what === "created" ? by : 0,
          verified: what === "verified" ? by : 0,
        })
        .onConflict((oc) =>
          oc
            .columns(["account_id", "prefix", "bucket"])
            .doUpdateSet((eb) => ({ [what]: eb(`otp_conversion.${what}`, "+", by) })),
        )
        .execute();
    },

    async otpConversion(accountId, prefix, sinceBucket) {
      const row = await kysely
        .selectFrom("otp_conversion")
        .select((eb) => [
          eb.fn.sum<number>("created").as("created"),
          eb.fn.sum<number>("verified").as("verified"),
        ])
        .where("account_id", "=", accountId)
        .where("prefix", "=", prefix)
        .where("bucket", ">=", sinceBucket)
        .executeTakeFirstOrThrow();
      return { created: Number(row.created ?? 0), verified: Number(row.verified ?? 0) };
    },

    async otpConversionByPrefix(accountId, sinceBucket, limit) {
      const rows = await kysely
        .selectFrom("otp_conversion")
        .select((eb) => [
          "prefix",
          eb.fn.sum<number>("created").as("created"),
          eb.fn.sum<number>("verified").as("verified"),
        ])
        .where("account_id", "=", accountId)
        .where("bucket", ">=", sinceBucket)
        .groupBy("prefix")
        .orderBy("created", "desc")
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        prefix: r.prefix,
        created: Number(r.created),
        verified: Number(r.verified ?? 0),
      }));
    },

    async purgeOtpConversion(before) {
      const result = await kysely
        .deleteFrom("otp_conversion")
        .where("bucket", "<", before)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
