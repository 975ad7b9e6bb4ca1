/**
 * Named statements (store/postgres/named-statements.ts) against a real server: a repeated query is
 * prepared once per connection, and a `SELECT *` prepared before another process added a column (a
 * rolling upgrade's migration) still answers, with the new column.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { namingClient, StatementNames } from "../../src/store/postgres/named-statements.js";
import { createTestDatabase, skipWithoutPostgres } from "../helpers/postgres.js";

describe("named statements (postgres)", { skip: skipWithoutPostgres }, () => {
  let pool: pg.Pool;
  let client: pg.PoolClient;
  let other: pg.Client;
  before(async () => {
    const url = await createTestDatabase();
    pool = new pg.Pool({ connectionString: url, max: 1, Client: namingClient(new StatementNames()) });
    client = await pool.connect();
    other = new pg.Client({ connectionString: url });
    await other.connect();
    await other.query("CREATE TABLE t (id int PRIMARY KEY, a text)");
    await other.query("INSERT INTO t VALUES (1, 'one')");
  });
  after(async () => {
    client.release();
    await pool.end();
    await other.end();
  });

  const prepared = async () =>
    (await client.query("SELECT name FROM pg_prepared_statements WHERE statement LIKE 'SELECT * FROM t%'"))
      .rows.length;

  it("prepares a query the second time it runs", async () => {
    await client.query("SELECT * FROM t WHERE id = $1", [1]);
    assert.equal(await prepared(), 0);
    await client.query("SELECT * FROM t WHERE id = $1", [1]);
    assert.equal(await prepared(), 1);
    const { rows } = await client.query("SELECT * FROM t WHERE id = $1", [1]);
    assert.deepEqual(rows, [{ id: 1, a: "one" }]);
    assert.equal(await prepared(), 1);
  });

  it("answers after another connection changed the table's columns", async () => {
    await other.query("ALTER TABLE t ADD COLUMN b int DEFAULT 7");
    const { rows } = await client.query("SELECT * FROM t WHERE id = $1", [1]);
    assert.deepEqual(rows, [{ id: 1, a: "one", b: 7 }]);
    // And from then on as a statement prepared afresh.
    await client.query("SELECT * FROM t WHERE id = $1", [1]);
    assert.deepEqual((await client.query("SELECT * FROM t WHERE id = $1", [1])).rows, [
      { id: 1, a: "one", b: 7 },
    ]);
  });

  it("inside a transaction the stale statement fails it (nothing half-done is run again)", async () => {
    await client.query("SELECT * FROM t WHERE id = $1", [1]);
    await other.query("ALTER TABLE t ADD COLUMN c int DEFAULT 8");
    await client.query("BEGIN");
    await assert.rejects(
      client.query("SELECT * FROM t WHERE id = $1", [1]),
      /cached plan must not change result type/,
    );
    await client.query("ROLLBACK");
    assert.deepEqual((await client.query("SELECT * FROM t WHERE id = $1", [1])).rows, [
      { id: 1, a: "one", b: 7, c: 8 },
    ]);
  });
});
