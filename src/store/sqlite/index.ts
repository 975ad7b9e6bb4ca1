/**
 * The embedded default store: one SQLite file in WAL mode with synchronous=FULL, so an acknowledged
 * message survives a crash or power loss. Group commit (see store/sql/group-commit.ts) keeps that fast.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import type { Store } from "../ports/index.js";
import type { Database as Tables } from "../sql/db.js";
import { createSqlStore, migrate } from "../sql/index.js";

export async function openSqliteStore(file: string): Promise<Store> {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = FULL");
  sqlite.pragma("foreign_keys = ON");
  // Several processes (gateway and CLI) may share the file: wait for a lock instead of failing.
  sqlite.pragma("busy_timeout = 5000");
  const kysely = new Kysely<Tables>({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrate(kysely, "sqlite");
  return createSqlStore({ kysely, dialect: "sqlite" });
}
