/** The stores every contract and e2e suite runs against: SQLite always, PostgreSQL when installed. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, skipWithoutPostgres } from "./postgres.js";

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
