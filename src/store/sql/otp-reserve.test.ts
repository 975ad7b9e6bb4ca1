/**
 * Group-committed OTP reservations (otp-reserve.ts), on SQLite and PostgreSQL: creates of the same instant
 * share one transaction (one turn of the account, one insert), and are decided exactly as one after the
 * other would be.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { createTestDatabase, skipWithoutPostgres } from "../../../test/helpers/postgres.js";
import type { OtpRecord, Store } from "../ports/index.js";
import type { Database as Tables, Dialect } from "./db.js";
import { createSqlStore, migrate } from "./index.js";

interface Target {
  name: Dialect;
  skip: string | false;
  open(log: (sql: string) => void): Promise<{ kysely: Kysely<Tables>; close(): Promise<void> }>;
}

const targets: Target[] = [
  {
    name: "sqlite",
    skip: false,
    async open(log) {
      const kysely = new Kysely<Tables>({
        dialect: new SqliteDialect({ database: new Database(":memory:") }),
        log: (event) => log(event.query.sql),
      });
      return { kysely, close: () => kysely.destroy() };
    },
  },
  {
    name: "postgres",
    skip: skipWithoutPostgres,
    async open(log) {
      const pool = new pg.Pool({ connectionString: await createTestDatabase(), max: 10 });
      const kysely = new Kysely<Tables>({
        dialect: new PostgresDialect({ pool }),
        log: (e) => log(e.query.sql),
      });
      return { kysely, close: () => kysely.destroy() };
    },
  },
];

for (const target of targets) {
  describe(`OTP reservations (${target.name})`, { skip: target.skip }, () => {
    let store: Store;
    let close: () => Promise<void>;
    const statements: string[] = [];
    before(async () => {
      const db = await target.open((sql) => statements.push(sql));
      await migrate(db.kysely, target.name);
      store = createSqlStore({ kysely: db.kysely, dialect: target.name });
      close = db.close;
    });
    after(() => close());

    const otpFor = (accountId: number, phone: string, now: number): OtpRecord => ({
      id: randomUUID(),
      accountId,
      phone,
      sender: "Starling",
      brand: "",
      codeHash: "hash",
      status: "in_progress",
      attempts: 0,
      createdAt: now,
      expiresAt: now + 600_000,
      lastCheckAt: null,
      finishedAt: null,
      messageUuid: randomUUID(),
    });

    it("decides 20 parallel creates as if one after the other, in one transaction", async () => {
      const account = await store.accounts.create(
        { name: "a", country: "DE", currency: "EUR", balanceMicros: 0, webhookSecret: "s" },
        Date.now(),
      );
      const now = Date.now();
      // The third create goes to the first one's number while the first's SMS is not stored yet.
      const phones = Array.from(
        { length: 20 },
        (_, i) => `+4915100000${String(i === 2 ? 0 : i).padStart(2, "0")}`,
      );
      statements.length = 0;
      const outcomes = await Promise.all(
        phones.map((phone) =>
          store.otp.reserve(otpFor(account.id, phone, now), {
            now,
            sameNumberSince: now - 30_000,
            maxActive: 5,
          }),
        ),
      );
      assert.deepEqual(outcomes, [
        "reserved",
        "reserved",
        "in_flight",
        "reserved",
        "reserved",
        "reserved",
        ...Array(14).fill("concurrent_limit"),
      ]);
      const inserts = statements.filter((s) => /^insert into "otps"/i.test(s));
      assert.equal(inserts.length, 1, "one insert for the whole group");
      const turns = statements.filter((s) =>
        /^update "otps" set "status" = \S+, "finished_at" = "expires_at"/i.test(s),
      );
      assert.equal(turns.length, 1, "the account's turn taken once");
    });

    it("replaces an older OTP to the same number and frees its slot, also within one group", async () => {
      const account = await store.accounts.create(
        { name: "b", country: "DE", currency: "EUR", balanceMicros: 0, webhookSecret: "s" },
        Date.now(),
      );
      const then = Date.now() - 60_000;
      const old = otpFor(account.id, "+491520000000", then);
      const rules = (now: number) => ({ now, sameNumberSince: now - 30_000, maxActive: 2 });
      assert.equal(await store.otp.reserve(old, rules(then)), "reserved");
      const now = Date.now();
      const [again, other, third] = await Promise.all([
        store.otp.reserve(otpFor(account.id, "+491520000000", now), rules(now)),
        store.otp.reserve(otpFor(account.id, "+491520000001", now), rules(now)),
        store.otp.reserve(otpFor(account.id, "+491520000002", now), rules(now)),
      ]);
      // The replacement takes the old OTP's slot, so the second fits and the third is over the limit.
      assert.deepEqual([again, other, third], ["reserved", "reserved", "concurrent_limit"]);
      assert.equal((await store.otp.get(account.id, old.id))?.status, "cancelled");
    });
  });
}
