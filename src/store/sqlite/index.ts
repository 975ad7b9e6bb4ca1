/**
 * The embedded default store: one SQLite file in WAL mode. Every acknowledged write is on disk first: the
 * driver (./driver.ts) fsyncs the WAL off the event loop before a commit's caller hears of it, which is as
 * durable as synchronous=FULL without stalling the loop for each fsync.
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import { Kysely } from "kysely";
import type { Store } from "../ports/index.js";
import type { Database as Tables } from "../sql/db.js";
import { createSqlStore, migrate } from "../sql/index.js";
import { DurableSqliteDialect, walFileSync } from "./driver.js";

export async function openSqliteStore(file: string): Promise<Store> {
  const inMemory = file === ":memory:";
  if (!inMemory) mkdirSync(dirname(file), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma("journal_mode = WAL");
  // NORMAL: SQLite does not fsync at commit; the driver does, on the thread pool (see driver.ts).
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  // Several processes (gateway and CLI) may share the file: wait for a lock instead of failing.
  sqlite.pragma("busy_timeout = 5000");
  const kysely = new Kysely<Tables>({
    dialect: new DurableSqliteDialect(sqlite, inMemory ? undefined : walFileSync(resolve(file))),
  });
  await migrate(kysely, "sqlite");
  return createSqlStore({ kysely, dialect: "sqlite" });
}
