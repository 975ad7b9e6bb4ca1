/** PostgreSQL store: the same queries as SQLite through Kysely, a connection pool, and int8 read as number. */
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { Store } from "../ports/index.js";
import type { Database as Tables } from "../sql/db.js";
import { createSqlStore, migrate, type StoreOptions } from "../sql/index.js";
import { listenForCredentialChanges } from "./change-listener.js";
import { namingClient, StatementNames } from "./named-statements.js";

// Money (micros) and times (unix ms) are int8; they stay far below 2^53, so a JS number is exact.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export async function openPostgresStore(
  url: string,
  poolSize = 10,
  options: StoreOptions = {},
): Promise<Store> {
  // Repeated statements run as named ones: parsed and planned once per connection (named-statements.ts).
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    Client: namingClient(new StatementNames()),
  });
  const kysely = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
  await migrate(kysely, "postgres");
  // Keys are kept in memory while no key or account changed (migration 017 and change-listener.ts).
  const changes = await listenForCredentialChanges(url);
  const store = createSqlStore({ kysely, dialect: "postgres", changeCounter: changes.version }, options);
  const close = store.close.bind(store);
  return Object.assign(store, {
    async close() {
      await changes.close();
      await close();
    },
  });
}
