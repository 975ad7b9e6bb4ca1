/**
 * Kysely's SQLite driver, reworked for a durable store that serves HTTP on the same event loop.
 *
 * better-sqlite3 is synchronous, so with `synchronous=FULL` every COMMIT blocks the event loop for a whole
 * fsync (0.3–5 ms on these disks): nothing else runs meanwhile. Here SQLite runs with `synchronous=NORMAL`
 * (a commit appends its frames to the WAL without syncing) and this driver fsyncs the WAL itself, on libuv's
 * thread pool, before the committing caller's promise resolves. An acknowledged write is therefore as durable
 * as with FULL — its commit frame is on disk before its writer is told it happened — but the loop keeps
 * serving requests during the fsync, and commits that land while one fsync runs share the next one. (Unlike
 * FULL, another query may read a commit during its fsync, before its writer has been answered; the store's
 * external effects — submits, webhooks — come from claims, which are writes and wait for their own sync.)
 * (Checkpoints still sync the WAL and the database file themselves, as NORMAL always does.)
 *
 * Two smaller things Kysely's own driver does not do: statements are prepared once and cached by their SQL
 * text (preparing costs more than running most of our queries), and the single connection is released
 * before the fsync is awaited, so other queries run while a commit becomes durable.
 */
import { type FileHandle, open } from "node:fs/promises";
import type Database from "better-sqlite3";
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SqliteDialect,
} from "kysely";

/** Makes everything committed so far durable; `close` releases what it holds. */
export type WalSync = (() => Promise<void>) & { close?(): Promise<void> };

/**
 * Coalesces fsync requests: while one fsync runs, every caller that arrives waits for the single next one
 * (the running one may have started before their commit was written, so it cannot stand for them).
 *
 * A failed fsync is final. The kernel may have dropped the WAL pages it could not write and reports that
 * only once, so a later fsync can succeed while frames are missing — and SQLite's recovery stops at the
 * first gap, discarding every commit after it. Nothing written after a failure can be called durable:
 * every later sync fails with the same error, and `onFailure` (the process's policy) hears of it once.
 */
export function coalescedSync(fsync: () => Promise<void>, onFailure?: (error: Error) => void): WalSync {
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  let failure: Error | undefined;
  const start = (): Promise<void> => {
    if (failure) return Promise.reject(failure);
    const current = fsync()
      .catch((error: Error) => {
        if (!failure) {
          failure = error;
          onFailure?.(error);
        }
        throw failure;
      })
      .finally(() => {
        if (running === current) running = undefined;
      });
    running = current;
    return current;
  };
  return () => {
    if (failure) return Promise.reject(failure);
    if (!running) return start();
    const after = running.catch(() => {});
    next ??= after.then(() => {
      next = undefined;
      return start();
    });
    return next;
  };
}

/**
 * fdatasync of `<db>-wal` on the thread pool, through a handle kept open (SQLite keeps the WAL file while
 * any connection is open, and ours is). No WAL file yet means nothing is waiting in one. After `close`,
 * syncs do nothing (the database is closed, and closing checkpointed and synced it).
 */
export function walFileSync(
  databaseFile: string,
  onFailure?: (error: Error) => void,
): WalSync & { close(): Promise<void>; readonly fsyncs: number } {
  const wal = `${databaseFile}-wal`;
  let handle: FileHandle | undefined;
  let closed = false;
  let fsyncs = 0;
  const sync = coalescedSync(async () => {
    if (closed) return;
    if (!handle) {
      try {
        handle = await open(wal, "r");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
        throw error;
      }
    }
    await handle.datasync();
    fsyncs++;
  }, onFailure);
  return Object.defineProperties(sync, {
    /** fdatasyncs of the WAL completed so far. */
    fsyncs: { get: () => fsyncs },
    close: {
      value: async () => {
        closed = true;
        await handle?.close();
        handle = undefined;
      },
    },
  }) as WalSync & { close(): Promise<void>; readonly fsyncs: number };
}

class Mutex {
  private held: Promise<void> | undefined;
  private release: (() => void) | undefined;

  async lock(): Promise<void> {
    while (this.held) await this.held;
    this.held = new Promise((resolve) => {
      this.release = resolve;
    });
  }

  unlock(): void {
    const release = this.release;
    this.held = undefined;
    this.release = undefined;
    release?.();
  }
}

/** Statements whose `changes` count says whether they wrote; anything else that is not read-only (DDL) always did. */
const DML = /^\s*(insert|update|delete|replace)\b/i;
/** Transaction control writes nothing itself (SQLite calls BEGIN IMMEDIATE not read-only): its statements decide. */
const CONTROL = /^\s*(begin|commit|end|rollback|savepoint|release)\b/i;

class CachingConnection implements DatabaseConnection {
  /** Set by any statement that may write; cleared when the connection is released. */
  wrote = false;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    readonly db: Database.Database,
    private readonly maxStatements = 500,
  ) {}

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      if (this.statements.size >= this.maxStatements) {
        this.statements.delete(this.statements.keys().next().value as string);
      }
      this.statements.set(sql, statement);
    }
    return statement;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const statement = this.statement(query.sql);
    const parameters = query.parameters as unknown[];
    if (statement.reader) {
      const rows = statement.all(parameters) as R[];
      // A write with RETURNING changed something exactly when it returned rows.
      if (!statement.readonly && rows.length > 0) this.wrote = true;
      return { rows };
    }
    const { changes, lastInsertRowid } = statement.run(parameters);
    // A DML statement that changed no row (an empty queue claim, say) leaves nothing to make durable.
    if (!statement.readonly && (changes > 0 || !(DML.test(query.sql) || CONTROL.test(query.sql)))) this.wrote = true;
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  }

  // A streamed statement stays busy while it is iterated, so it gets its own, uncached one.
  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    for (const row of this.db.prepare(query.sql).iterate(query.parameters as unknown[])) {
      yield { rows: [row as R] };
    }
  }
}

class DurableSqliteDriver implements Driver {
  private readonly mutex = new Mutex();
  private readonly connection: CachingConnection;

  constructor(
    db: Database.Database,
    private readonly walSync: WalSync | undefined,
  ) {
    this.connection = new CachingConnection(db);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.mutex.lock();
    return this.connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    // IMMEDIATE: the write lock from the start. A deferred transaction that reads first takes a snapshot,
    // and if another connection (the CLI) commits before its first write, that write fails at once with
    // SQLITE_BUSY_SNAPSHOT, which no busy timeout retries: a whole group commit would be lost. With the
    // lock held, other writers wait (busy_timeout) instead, and `PRAGMA data_version` read during one of
    // our transactions is exact (nobody else can commit meanwhile). One connection per process, so this
    // costs no concurrency here.
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("commit"));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("rollback"));
  }

  async releaseConnection(): Promise<void> {
    // Kysely releases after COMMIT (or after a lone autocommit statement), so what was written is committed.
    const mustSync = this.connection.wrote && !this.connection.db.inTransaction;
    if (mustSync) this.connection.wrote = false;
    this.mutex.unlock();
    if (mustSync && this.walSync) await this.walSync();
  }

  async destroy(): Promise<void> {
    // Commits still waiting for their sync get it before the handle goes; a failed one already failed them.
    await this.walSync?.().catch(() => {});
    // Closing the last connection checkpoints the WAL into the database file and syncs both.
    this.connection.db.close();
    await this.walSync?.close?.();
  }
}

/** SqliteDialect with the driver above; `walSync` undefined = no durability wanted (":memory:"). */
export class DurableSqliteDialect extends SqliteDialect {
  constructor(
    private readonly db: Database.Database,
    private readonly walSync: WalSync | undefined,
  ) {
    super({ database: db });
  }

  override createDriver(): Driver {
    return new DurableSqliteDriver(this.db, this.walSync);
  }
}
