import { type Kysely, Migrator } from "kysely";
import type { Store, WebhookRenderer } from "../ports/index.js";
import { type Credentials, sqlAccountStore, sqlKeyStore, sqlPriceStore } from "./accounts.js";
import { CredentialCache } from "./credential-cache.js";
import type { Database, Db, Dialect } from "./db.js";
import { sqlFullsmsStore } from "./fullsms/index.js";
import { sqlMessageStore } from "./messages.js";
import { sqlDeliveryStore } from "./delivery/index.js";
import { sqlInboundStore, sqlWebhookStore } from "./webhooks.js";
import { migrationsFor } from "./migrations/index.js";
import { sqlOtpStore } from "./otp.js";
import { sqlFraudStore, sqlIdempotencyStore } from "./safety.js";
import { sqlSmppServerStore } from "./smpp-server/index.js";
import { sqlAdminStore } from "./operator/admins.js";
import { OutboxHandOff } from "./outbox-hand-off.js";
import { sqlOperatorStore } from "./operator/reads.js";

export async function migrate(kysely: Kysely<Database>, dialect: Dialect): Promise<void> {
  const migrator = new Migrator({
    db: kysely,
    provider: { getMigrations: async () => migrationsFor(dialect) },
    // Migration numbers are handed out to parallel branches; a store that already ran a later one must
    // still accept an earlier number merged afterwards.
    allowUnorderedMigrations: true,
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}

export interface StoreOptions {
  /** Renders delivery events as webhooks (the dialect's payload); without it, the domain events as they are. */
  renderWebhook?: WebhookRenderer;
}

/** One implementation of every port over Kysely, shared by the SQLite and PostgreSQL adapters. */
export function createSqlStore(db: Db, options: StoreOptions = {}): Store {
  const { kysely } = db;
  // Only a store that can tell when another connection changed something may keep credentials.
  const credentials = db.changeCounter ? new CredentialCache<Credentials>(db.changeCounter) : undefined;
  // The delivery writer hands new webhook events to whichever dispatcher listens on the webhook store.
  const handOff = new OutboxHandOff();
  return {
    kind: db.dialect,
    accounts: sqlAccountStore(db, credentials),
    keys: sqlKeyStore(db, credentials),
    prices: sqlPriceStore(db),
    voicePrices: sqlPriceStore(db, "voice_prices"),
    messages: sqlMessageStore(db),
    delivery: sqlDeliveryStore(db, options.renderWebhook, handOff),
    webhooks: sqlWebhookStore(db, handOff),
    inbound: sqlInboundStore(db),
    fullsms: sqlFullsmsStore(db),
    otp: sqlOtpStore(db),
    idempotency: sqlIdempotencyStore(db),
    fraud: sqlFraudStore(db),
    smppServer: sqlSmppServerStore(db, options.renderWebhook),
    operator: sqlOperatorStore(db),
    admins: sqlAdminStore(db),
    settings: {
      async get(key) {
        const row = await kysely
          .selectFrom("settings")
          .select("value")
          .where("key", "=", key)
          .executeTakeFirst();
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
      async set(key, value) {
        await kysely
          .insertInto("settings")
          .values({ key, value })
          .onConflict((oc) => oc.column("key").doUpdateSet({ value }))
          .execute();
      },
      async delete(key) {
        await kysely.deleteFrom("settings").where("key", "=", key).execute();
      },
    },
    close: () => kysely.destroy(),
  };
}
