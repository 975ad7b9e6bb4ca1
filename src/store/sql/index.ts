import { type Kysely, Migrator } from "kysely";
import type { Store } from "../ports/index.js";
import { type Credentials, sqlAccountStore, sqlKeyStore, sqlPriceStore } from "./accounts.js";
import { CredentialCache } from "./credential-cache.js";
import type { Database, Db, Dialect } from "./db.js";
import { sqlFullsmsStore } from "./fullsms/index.js";
import { sqlMessageStore } from "./messages.js";
import { sqlDeliveryStore } from "./delivery/index.js";
import { sqlInboundStore, sqlWebhookStore } from "./webhooks.js";
import { migrationsFor } from "./migrations/index.js";
import { sqlOtpStore } from "./otp.js";

export async function migrate(kysely: Kysely<Database>, dialect: Dialect): Promise<void> {
  const migrator = new Migrator({
    db: kysely,
    provider: { getMigrations: async () => migrationsFor(dialect) },
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}

/** One implementation of every port over Kysely, shared by the SQLite and PostgreSQL adapters. */
export function createSqlStore(db: Db): Store {
  const { kysely } = db;
  // Only a store that can tell when another connection changed something may keep credentials.
  const credentials = db.changeCounter ? new CredentialCache<Credentials>(db.changeCounter) : undefined;
  return {
    kind: db.dialect,
    accounts: sqlAccountStore(db, credentials),
    keys: sqlKeyStore(db, credentials),
    prices: sqlPriceStore(db),
    voicePrices: sqlPriceStore(db, "voice_prices"),
    messages: sqlMessageStore(db),
    delivery: sqlDeliveryStore(db),
    webhooks: sqlWebhookStore(db),
    inbound: sqlInboundStore(db),
    fullsms: sqlFullsmsStore(db),
    otp: sqlOtpStore(db),
    settings: {
      async get(key) {
        const row = await kysely.selectFrom("settings").select("value").where("key", "=", key).executeTakeFirst();
        return row?.value;
      },
      async setIfAbsent(key, value) {
        await kysely
          .insertInto("settings")
          .values({ key, value })
          .onConflict((oc) => oc.column("key").doNothing())
          .execute();
        const row = await kysely
          .selectFrom("settings")
          .select("value")
          .where("key", "=", key)
          .executeTakeFirstOrThrow();
        return row.value;
      },
    },
    close: () => kysely.destroy(),
  };
}
