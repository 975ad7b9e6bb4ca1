import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import { Kysely, sql } from "kysely";
import { coalescedSync, DurableSqliteDialect, walFileSync } from "./driver.js";

const dir = mkdtempSync(join(tmpdir(), "starling-driver-"));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Tables {
  t: { id: number; v: string };
}

/** A WAL sync the test releases by hand, counting how often it was asked for. */
function manualSync() {
  const waiting: (() => void)[] = [];
  let calls = 0;
  return {
    sync: () => {
      calls++;
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
    get calls() {
      return calls;
    },
    releaseAll: () => {
      for (const release of waiting.splice(0)) release();
    },
  };
}

async function open(name: string, sync: (() => Promise<void>) | undefined) {
  const db = new Database(join(dir, name));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  const kysely = new Kysely<Tables>({ dialect: new DurableSqliteDialect(db, sync) });
  await sql`create table t (id integer primary key, v text not null)`.execute(kysely);
  return kysely;
}

const settled = <T>(p: Promise<T>) => {
  const state = { done: false };
  void p.then(() => {
    state.done = true;
  });
  return state;
};

describe("durable SQLite driver", () => {
  it("resolves a commit only after the WAL sync, while other queries run meanwhile", async () => {
    const wal = manualSync();
    const kysely = await open("commit.db", async () => {});
    // Re-open with the manual sync now that the table exists (creating it also syncs).
    await kysely.destroy();
    const db = new Database(join(dir, "commit.db"));
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    const k = new Kysely<Tables>({ dialect: new DurableSqliteDialect(db, wal.sync) });

    const commit = settled(k.transaction().execute((trx) => trx.insertInto("t").values({ id: 1, v: "a" }).execute()));
    await new Promise((r) => setImmediate(r));
    assert.equal(wal.calls, 1);
    assert.equal(commit.done, false, "the writer must not hear of its commit before the sync");
    // The connection was released before the sync: a read is not stuck behind it, and sees the commit.
    const rows = await k.selectFrom("t").selectAll().execute();
    assert.deepEqual(rows, [{ id: 1, v: "a" }]);
    assert.equal(wal.calls, 1, "a read does not sync");
    wal.releaseAll();
    await new Promise((r) => setImmediate(r));
    assert.equal(commit.done, true);

    // A lone autocommit write is synced too.
    const single = settled(k.insertInto("t").values({ id: 2, v: "b" }).execute());
    await new Promise((r) => setImmediate(r));
    assert.equal(wal.calls, 2);
    assert.equal(single.done, false);
    wal.releaseAll();
    await new Promise((r) => setImmediate(r));
    assert.equal(single.done, true);

    // Closing waits for the sync of what is still pending before the database goes.
    const pending = settled(k.insertInto("t").values({ id: 3, v: "c" }).execute());
    await new Promise((r) => setImmediate(r));
    const closing = settled(k.destroy());
    await new Promise((r) => setImmediate(r));
    assert.equal(closing.done, false);
    wal.releaseAll();
    await new Promise((r) => setTimeout(r, 10));
    wal.releaseAll();
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(pending.done, true);
    assert.equal(closing.done, true);
  });

  it("a transaction that reads first still commits when another connection writes meanwhile", async () => {
    const kysely = await open("snapshot.db", undefined);
    await kysely.insertInto("t").values({ id: 1, v: "a" }).execute();
    // The CLI's own connection, not willing to wait: it must be refused, not let in between.
    const cli = new Database(join(dir, "snapshot.db"));
    cli.pragma("busy_timeout = 0");
    let cliWrite = "not tried";
    await kysely.transaction().execute(async (trx) => {
      await trx.selectFrom("t").selectAll().execute();
      try {
        cli.prepare("update t set v = 'cli' where id = 1").run();
        cliWrite = "committed";
      } catch (error) {
        cliWrite = (error as { code?: string }).code ?? "failed";
      }
      // A deferred transaction's snapshot would make this write fail with SQLITE_BUSY_SNAPSHOT.
      await trx.updateTable("t").set({ v: "ours" }).where("id", "=", 1).execute();
    });
    assert.equal(cliWrite, "SQLITE_BUSY");
    assert.equal((await kysely.selectFrom("t").select("v").where("id", "=", 1).executeTakeFirst())?.v, "ours");
    cli.prepare("update t set v = 'cli' where id = 1").run();
    assert.equal((await kysely.selectFrom("t").select("v").where("id", "=", 1).executeTakeFirst())?.v, "cli");
    cli.close();
    await kysely.destroy();
  });

  it("syncs only what changed rows, and an in-memory store never syncs", async () => {
    let calls = 0;
    const kysely = await open("reads.db", async () => {
      calls++;
    });
    const before = calls;
    await kysely.selectFrom("t").selectAll().execute();
    await kysely.selectFrom("t").select("id").where("id", "=", 3).execute();
    assert.equal(calls, before);
    // Writes that changed no row (an empty queue claim) leave nothing to sync; one that did is synced.
    await kysely.updateTable("t").set({ v: "x" }).where("id", "=", 404).execute();
    await kysely.updateTable("t").set({ v: "x" }).where("id", "=", 404).returning("id").execute();
    assert.equal(calls, before);
    await kysely.insertInto("t").values({ id: 7, v: "y" }).returning("id").execute();
    assert.equal(calls, before + 1);
    await kysely.updateTable("t").set({ v: "z" }).where("id", "=", 7).execute();
    assert.equal(calls, before + 2);
    // The same for transactions: one that only read, or whose writes changed nothing, has nothing to sync.
    await kysely.transaction().execute((trx) => trx.selectFrom("t").selectAll().execute());
    await kysely.transaction().execute((trx) => trx.updateTable("t").set({ v: "x" }).where("id", "=", 404).execute());
    assert.equal(calls, before + 2);
    await kysely.transaction().execute((trx) => trx.updateTable("t").set({ v: "w" }).where("id", "=", 7).execute());
    assert.equal(calls, before + 3);
    await kysely.destroy();

    const memory = new Kysely<Tables>({ dialect: new DurableSqliteDialect(new Database(":memory:"), undefined) });
    await sql`create table t (id integer primary key, v text not null)`.execute(memory);
    await memory.insertInto("t").values({ id: 1, v: "x" }).execute();
    assert.equal((await memory.selectFrom("t").selectAll().execute()).length, 1);
    await memory.destroy();
  });

  it("coalesces syncs: callers arriving during one fsync share the next", async () => {
    const fsyncs: (() => void)[] = [];
    const sync = coalescedSync(() => new Promise<void>((resolve) => fsyncs.push(resolve)));
    const first = settled(sync());
    const later = [sync(), sync(), sync()].map(settled);
    assert.equal(fsyncs.length, 1);
    fsyncs.shift()!();
    await new Promise((r) => setImmediate(r));
    assert.equal(first.done, true);
    // The running fsync may predate their commits, so they waited for exactly one more.
    assert.equal(later.some((s) => s.done), false);
    assert.equal(fsyncs.length, 1);
    fsyncs.shift()!();
    await new Promise((r) => setImmediate(r));
    assert.ok(later.every((s) => s.done));
  });

  it("a failed fsync fails its callers and every later one, and is reported once", async () => {
    let fsyncs = 0;
    const reported: Error[] = [];
    const sync = coalescedSync(
      async () => {
        fsyncs++;
        if (fsyncs === 2) throw new Error("EIO");
      },
      (error) => reported.push(error),
    );
    await sync();
    await assert.rejects(sync(), /EIO/);
    // A later fsync could succeed while frames are lost: it is not even tried.
    await assert.rejects(sync(), /EIO/);
    await assert.rejects(sync(), /EIO/);
    assert.equal(fsyncs, 2);
    assert.equal(reported.length, 1);
  });

  it("a failed WAL sync fails the commit's caller through the driver", async () => {
    const kysely = await open("failing.db", async () => {});
    await kysely.destroy();
    const db = new Database(join(dir, "failing.db"));
    db.pragma("journal_mode = WAL");
    const sync = coalescedSync(async () => {
      throw new Error("EIO");
    });
    const k = new Kysely<Tables>({ dialect: new DurableSqliteDialect(db, sync) });
    await assert.rejects(k.insertInto("t").values({ id: 1, v: "a" }).execute(), /EIO/);
    await assert.rejects(k.insertInto("t").values({ id: 2, v: "b" }).execute(), /EIO/);
    db.close();
  });

  it("syncs the real WAL file, and a missing one is nothing to sync", async () => {
    const file = join(dir, "real.db");
    const wal = walFileSync(file);
    const kysely = await open("real.db", wal);
    const before = wal.fsyncs;
    await kysely.insertInto("t").values({ id: 1, v: "durable" }).execute();
    // The write's sync found the WAL beside the database and fdatasynced it.
    assert.equal(wal.fsyncs, before + 1);
    await kysely.destroy();
    const reopened = new Database(file, { readonly: true });
    assert.deepEqual(reopened.prepare("select v from t").all(), [{ v: "durable" }]);
    reopened.close();
    await walFileSync(join(dir, "never-created.db"))();
  });
});
