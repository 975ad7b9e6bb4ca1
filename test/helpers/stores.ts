/** The stores every contract and e2e suite runs against: SQLite always, PostgreSQL when installed. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderLox24Webhook } from "../../src/api/lox24/webhook-events.js";
import type { StoreOptions } from "../../src/store/open.js";
import { createTestDatabase, skipWithoutPostgres } from "./postgres.js";

/** As the gateway opens its store: delivery events rendered as LOX24 `sms.delivery` webhooks. */
export const GATEWAY_STORE_OPTIONS: StoreOptions = { renderWebhook: renderLox24Webhook };

export interface StoreTarget {
  name: "sqlite" | "postgres";
  skip: string | false;
  /** A database URL for a fresh, empty store. */
  url(): Promise<string>;
}

export const storeTargets: StoreTarget[] = [
  {
    name: "sqlite",
    skip: false,
    url: async () => `sqlite:${join(mkdtempSync(join(tmpdir(), "starling-sqlite-")), "starling.db")}`,
  },
  { name: "postgres", skip: skipWithoutPostgres, url: createTestDatabase },
];
