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
  const kysely = new Kysely<Tables>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  await migrate(kysely, "sqlite");
  return createSqlStore({ kysely, dialect: "sqlite" });
}

/**
 * Kysely prepares every query afresh; preparing costs more than running most of ours. Statements are
 * cached by their SQL text (queries have fixed shapes; multi-row inserts a few sizes), bounded, and a
 * statement that is busy (being iterated) is never handed out twice.
 */
function withStatementCache(db: Database.Database, max = 500): Database.Database {
  const cache = new Map<string, Database.Statement>();
  const prepare = db.prepare.bind(db);
  return new Proxy(db, {
    get(target, property, receiver) {
      if (property !== "prepare") {
        const value = Reflect.get(target, property, receiver);
        // Native methods must run on the real handle, not on the proxy.
        return typeof value === "function" ? value.bind(target) : value;
      }
      return (source: string) => {
        const cached = cache.get(source);
        if (cached && !cached.busy) return cached;
        const statement = prepare(source);
        if (!cached) {
          if (cache.size >= max) cache.delete(cache.keys().next().value as string);
          cache.set(source, statement);
        }
        return statement;
      };
    },
  });
}
