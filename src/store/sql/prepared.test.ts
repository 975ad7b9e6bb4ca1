import assert from "node:assert/strict";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { Kysely, sql } from "kysely";
import { DurableSqliteDialect } from "../sqlite/driver.js";
import { type Placeholder, prepared, preparedInsert } from "./prepared.js";

interface Tables {
  t: { id: number; name: string; score: number | null };
}

async function openDb() {
  const kysely = new Kysely<Tables>({ dialect: new DurableSqliteDialect(new Database(":memory:"), undefined) });
  await sql`create table t (id integer primary key, name text not null, score integer)`.execute(kysely);
  return kysely;
}

describe("prepared queries", () => {
  it("binds new values on every run of a query compiled once", async () => {
    const kysely = await openDb();
    await kysely.insertInto("t").values([{ id: 1, name: "a", score: 10 }, { id: 2, name: "b", score: 20 }]).execute();
    const addScore = prepared((p: Placeholder<{ id: number; delta: number }>) =>
      kysely
        .updateTable("t")
        .set((eb) => ({ score: eb("score", "+", p("delta")) }))
        .where("id", "=", p("id"))
        // A constant stays part of the compiled query.
        .where("name", "!=", "nobody"),
    );
    const byId = prepared((p: Placeholder<{ id: number }>) => kysely.selectFrom("t").selectAll().where("id", "=", p("id")));

    assert.equal((await addScore.execute(kysely, { id: 1, delta: 5 })).numAffectedRows, 1n);
    assert.equal((await addScore.execute(kysely, { id: 2, delta: -7 })).numAffectedRows, 1n);
    assert.equal((await addScore.execute(kysely, { id: 9, delta: 1 })).numAffectedRows, 0n);
    assert.deepEqual(await byId.first(kysely, { id: 1 }), { id: 1, name: "a", score: 15 });
    assert.deepEqual(await byId.first(kysely, { id: 2 }), { id: 2, name: "b", score: 13 });
    assert.equal(await byId.first(kysely, { id: 3 }), undefined);
    await assert.rejects(byId.execute(kysely, {} as { id: number }), /no value for "id"/);
    await kysely.destroy();
  });

  it("inserts any number of rows, in a transaction too, with every value in its column", async () => {
    const kysely = await openDb();
    const insert = preparedInsert<Tables, "t", Tables["t"]>(kysely, "t", ["id", "name", "score"]);
    let next = 1;
    const rowsOf = (n: number) =>
      Array.from({ length: n }, () => {
        const id = next++;
        return { id, name: `n${id}`, score: id % 3 === 0 ? null : id * 2 };
      });
    const written: Tables["t"][] = [];
    for (const n of [0, 1, 3, 5, 21, 300]) {
      const rows = rowsOf(n);
      written.push(...rows);
      await kysely.transaction().execute((trx) => insert(trx, rows));
    }
    assert.deepEqual(await kysely.selectFrom("t").selectAll().orderBy("id").execute(), written);
    await kysely.destroy();
  });
});
