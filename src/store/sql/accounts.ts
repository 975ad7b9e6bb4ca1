import type { ServiceCode } from "../../core/message.js";
import type {
  Account,
  AccountPatch,
  AccountProfile,
  AccountStore,
  ApiKey,
  KeyStore,
  NewAccount,
  PriceStore,
} from "../ports/index.js";
import type { CredentialCache } from "./credential-cache.js";
import type { Db } from "./db.js";
import { type Placeholder, prepared } from "./prepared.js";
import type { Updateable } from "kysely";
import type { AccountsTable, ApiKeysTable } from "./schema.js";

type AccountRow = Omit<AccountsTable, "id"> & { id: number };

export function rowToAccount(row: AccountRow): Account {
  return {
    id: Number(row.id),
    name: row.name,
    country: row.country,
    currency: row.currency,
    balanceMicros: Number(row.balance_micros),
    balanceChangedAt: Number(row.balance_changed_at),
    status: row.status === "disabled" ? "disabled" : "active",
    services: row.services ? (row.services.split(",") as ServiceCode[]) : [],
    isTextDeleted: row.is_text_deleted === 1,
    timezone: row.timezone,
    minBalanceMicros: Number(row.min_balance_micros),
    allowShortLinks: row.allow_short_links === 1,
    strictNumbers: row.strict_numbers === 1,
    webhookSecret: row.webhook_secret,
    createdAt: Number(row.created_at),
  };
}

function rowToKey(row: Omit<ApiKeysTable, "id"> & { id: number }): ApiKey {
  return {
    id: Number(row.id),
    accountId: Number(row.account_id),
    secretHash: row.secret_hash,
    name: row.name,
    createdAt: Number(row.created_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}

/** Authentication's view of an account: the row without its balance (see CredentialCache). */
function rowToProfile(row: AccountRow): AccountProfile {
  const { balanceMicros: _balance, balanceChangedAt: _changed, ...profile } = rowToAccount(row);
  return profile;
}

export type Credentials = { key: ApiKey; account: AccountProfile };

export function sqlAccountStore({ kysely }: Db, credentials?: CredentialCache<Credentials>): AccountStore {
  return {
    async create(account: NewAccount, now: number) {
      const row = await kysely
        .insertInto("accounts")
        .values({
          name: account.name,
          country: account.country,
          currency: account.currency,
          balance_micros: account.balanceMicros,
          balance_changed_at: now,
          status: "active",
          services: (account.services ?? ["direct"]).join(","),
          is_text_deleted: 0,
          timezone: account.timezone ?? "UTC",
          min_balance_micros: 0,
          allow_short_links: 0,
          strict_numbers: 0,
          webhook_secret: account.webhookSecret,
          created_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return rowToAccount(row);
    },
    async get(id) {
      const row = await kysely.selectFrom("accounts").selectAll().where("id", "=", id).executeTakeFirst();
      return row && rowToAccount(row);
    },
    async list() {
      const rows = await kysely.selectFrom("accounts").selectAll().orderBy("id").execute();
      return rows.map(rowToAccount);
    },
    async count() {
      const { n } = await kysely
        .selectFrom("accounts")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      return Number(n);
    },
    async update(id, patch: AccountPatch) {
      const values: Updateable<AccountsTable> = {};
      if (patch.name !== undefined) values.name = patch.name;
      if (patch.status !== undefined) values.status = patch.status;
      if (patch.services !== undefined) values.services = patch.services.join(",");
      if (patch.isTextDeleted !== undefined) values.is_text_deleted = patch.isTextDeleted ? 1 : 0;
      if (patch.timezone !== undefined) values.timezone = patch.timezone;
      if (patch.minBalanceMicros !== undefined) values.min_balance_micros = patch.minBalanceMicros;
      if (patch.allowShortLinks !== undefined) values.allow_short_links = patch.allowShortLinks ? 1 : 0;
      if (patch.strictNumbers !== undefined) values.strict_numbers = patch.strictNumbers ? 1 : 0;
      if (Object.keys(values).length === 0) return this.get(id);
      credentials?.invalidate();
      const row = await kysely
        .updateTable("accounts")
        .set(values)
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirst();
      credentials?.invalidate();
      return row && rowToAccount(row);
    },
    async adjustBalance(id, deltaMicros, now) {
      const row = await kysely
        .updateTable("accounts")
        .set((eb) => ({ balance_micros: eb("balance_micros", "+", deltaMicros), balance_changed_at: now }))
        .where("id", "=", id)
        .returning("balance_micros")
        .executeTakeFirst();
      return row && Number(row.balance_micros);
    },
  };
}

export function sqlKeyStore({ kysely }: Db, credentials?: CredentialCache<Credentials>): KeyStore {
  // One statement on the hot path of every request, compiled once.
  const keyWithAccount = prepared((p: Placeholder<{ keyId: number }>) =>
    kysely
      .selectFrom("api_keys as k")
      .innerJoin("accounts as a", "a.id", "k.account_id")
      .selectAll("a")
      .select([
        "k.id as key_id",
        "k.secret_hash as key_secret_hash",
        "k.name as key_name",
        "k.created_at as key_created_at",
        "k.revoked_at as key_revoked_at",
      ])
      .where("k.id", "=", p("keyId")),
  );
  return {
    async create(accountId, secretHash, name, now) {
      const row = await kysely
        .insertInto("api_keys")
        .values({ account_id: accountId, secret_hash: secretHash, name, created_at: now, revoked_at: null })
        .returningAll()
        .executeTakeFirstOrThrow();
      return rowToKey(row);
    },
    async findWithAccount(keyId) {
      const cached = credentials?.get(keyId);
      if (cached) return cached;
      const stamp = credentials?.stamp();
      const row = await keyWithAccount.first(kysely, { keyId });
      if (!row) return undefined;
      const key = rowToKey({
        id: row.key_id,
        account_id: row.id,
        secret_hash: row.key_secret_hash,
        name: row.key_name,
        created_at: row.key_created_at,
        revoked_at: row.key_revoked_at,
      });
      // Frozen: a cached copy is shared by every request that presents this key.
      const account = rowToProfile(row);
      Object.freeze(account.services);
      const found = Object.freeze({ key: Object.freeze(key), account: Object.freeze(account) });
      if (stamp) credentials?.set(keyId, found, stamp);
      return found;
    },
    async list(accountId) {
      const rows = await kysely
        .selectFrom("api_keys")
        .selectAll()
        .where("account_id", "=", accountId)
        .orderBy("id")
        .execute();
      return rows.map(rowToKey);
    },
    async revoke(keyId, now) {
      credentials?.invalidate();
      const result = await kysely
        .updateTable("api_keys")
        .set({ revoked_at: now })
        .where("id", "=", keyId)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      credentials?.invalidate();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}

/** Prices change rarely and are read on every send: kept this long before they are read again. */
const PRICE_TTL_MS = 5000;

/** `prices` per SMS part; `voice_prices` per voice call: the same shape, so one implementation. */
export function sqlPriceStore({ kysely }: Db, table: "prices" | "voice_prices" = "prices"): PriceStore {
  // The CLI sets prices from another process, so a short time-to-live rather than invalidation.
  const cache = new Map<string, { micros: number | undefined; until: number }>();
  return {
    async get(iso2) {
      const now = Date.now();
      const hit = cache.get(iso2);
      if (hit && hit.until > now) return hit.micros;
      const row = await kysely.selectFrom(table).select("price_micros").where("iso2", "=", iso2).executeTakeFirst();
      const micros = row && Number(row.price_micros);
      if (cache.size > 1000) cache.clear();
      cache.set(iso2, { micros, until: now + PRICE_TTL_MS });
      return micros;
    },
    async set(iso2, priceMicros) {
      cache.delete(iso2);
      await kysely
        .insertInto(table)
        .values({ iso2, price_micros: priceMicros })
        .onConflict((oc) => oc.column("iso2").doUpdateSet({ price_micros: priceMicros }))
        .execute();
    },
    async list() {
      const rows = await kysely.selectFrom(table).selectAll().orderBy("iso2").execute();
      return rows.map((r) => ({ iso2: r.iso2, pricePerPartMicros: Number(r.price_micros) }));
    },
  };
}
