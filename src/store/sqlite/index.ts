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
import { createSqlStore, migrate, type StoreOptions } from "../sql/index.js";
import { DurableSqliteDialect, walFileSync } from "./driver.js";
import { scrubWalPeriodically } from "./scrub.js";

/**
 * After a failed fsync of the WAL nothing written since can be trusted to survive a crash (see driver.ts).
 * Like PostgreSQL, stop rather than go on acknowledging: a restart recovers from what is on disk.
 */
function stopOnSyncFailure(error: Error): void {
  process.stderr.write(`starling: fsync of the SQLite WAL failed (${error.message}); stopping.\n`);
  process.exit(70);
}

export async function openSqliteStore(file: string, options: StoreOptions = {}): Promise<Store> {
  const inMemory = file === ":memory:";
  if (!inMemory) mkdirSync(dirname(file), { recursive: true });
  const sqlite = new Database(file);
  // A file system without shared memory refuses WAL; the journal then stays and SQLite syncs it itself.
  const wal = sqlite.pragma("journal_mode = WAL", { simple: true }) === "wal";
  // NORMAL in WAL mode: SQLite does not fsync at commit; the driver does, on the thread pool (driver.ts).
  sqlite.pragma(wal ? "synchronous = NORMAL" : "synchronous = FULL");
  sqlite.pragma("foreign_keys = ON");
  // What a write removes (an erased message text, a deleted row) is overwritten with zeros, not left in
  // free space in the file; scrub.ts clears the WAL's older page images too.
  sqlite.pragma("secure_delete = ON");
  // Several processes (gateway and CLI) may share the file: wait for a lock instead of failing.
  sqlite.pragma("busy_timeout = 5000");
  const kysely = new Kysely<Tables>({
    dialect: new DurableSqliteDialect(
      sqlite,
      inMemory || !wal ? undefined : walFileSync(resolve(file), stopOnSyncFailure),
    ),
  });
  await migrate(kysely, "sqlite");
  // Read on the handle directly, outside the driver's queue. Inside one of our transactions it returns that
  // transaction's view, which is still current: BEGIN IMMEDIATE (driver.ts) keeps other writers out until
  // it ends.
  const dataVersion = sqlite.prepare("PRAGMA data_version").pluck();
  const store = createSqlStore(
    { kysely, dialect: "sqlite", changeCounter: () => dataVersion.get() as number },
    options,
  );
  if (inMemory || !wal) return store;
  const stopScrub = scrubWalPeriodically(kysely as unknown as Kysely<unknown>, resolve(file), (error) =>
    process.stderr.write(`starling: clearing the SQLite WAL of erased data failed (${error.message})\n`),
  );
  const close = store.close.bind(store);
  return Object.assign(store, {
    close: async () => {
      await stopScrub();
      await close();
    },
  });
}
