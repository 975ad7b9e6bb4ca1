/**
 * Keys kept in memory on PostgreSQL: authentication no longer reads the key and its account on every
 * request, and still sees what other processes change (migration 017's NOTIFY, store/postgres/change-listener.ts).
 * The "raw" connection stands in for another process; with session_replication_role = replica its
 * changes fire no trigger, which shows whether an answer came from memory or from the database.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/ports/index.js";
import { createTestDatabase, skipWithoutPostgres } from "../helpers/postgres.js";

const waitFor = async (what: string, condition: () => Promise<boolean>) => {
  const deadline = Date.now() + 30_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe("credentials kept in memory (postgres)", { skip: skipWithoutPostgres }, () => {
  let store: Store;
  let other: Store;
  let raw: pg.Client;
  let accountId: number;
  let keyId: number;
  before(async () => {
    const url = await createTestDatabase();
    store = await openStore(url);
    other = await openStore(url);
    raw = new pg.Client({ connectionString: url });
    await raw.connect();
    const account = await other.accounts.create(
      { name: "a", country: "DE", currency: "EUR", balanceMicros: 1_000_000, webhookSecret: "s" },
      Date.now(),
    );
    accountId = account.id;
    keyId = (await other.keys.create(accountId, "hash-1", "k", Date.now())).id;
  });
  after(async () => {
    await raw.end();
    await other.close();
    await store.close();
  });

  /** Changes the key's stored hash behind every process's back: no trigger, so no notification. */
  const silentlySetHash = async (hash: string) => {
    await raw.query("SET session_replication_role = replica");
    await raw.query("UPDATE api_keys SET secret_hash = $1 WHERE id = $2", [hash, keyId]);
    await raw.query("SET session_replication_role = origin");
  };
  const hashSeen = async () => (await store.keys.findWithAccount(keyId))?.key.secretHash;

  it("answers a key it has read from memory", async () => {
    await silentlySetHash("hash-1");
    await waitFor("the key is kept", async () => {
      await store.keys.findWithAccount(keyId);
      await silentlySetHash("hash-2");
      const kept = (await hashSeen()) === "hash-1";
      await silentlySetHash("hash-1");
      return kept;
    });
  });

  it("sees another process revoke the key", async () => {
    assert.equal((await store.keys.findWithAccount(keyId))?.key.revokedAt, null);
    assert.equal(await other.keys.revoke(keyId, Date.now()), true);
    await waitFor(
      "the revocation is seen",
      async () => (await store.keys.findWithAccount(keyId))?.key.revokedAt !== null,
    );
    await raw.query("UPDATE api_keys SET revoked_at = NULL WHERE id = $1", [keyId]);
    await waitFor(
      "the key is valid again",
      async () => (await store.keys.findWithAccount(keyId))?.key.revokedAt === null,
    );
  });

  it("sees another process disable the account, and a debit does not empty the cache", async () => {
    await silentlySetHash("hash-1");
    await store.keys.findWithAccount(keyId);
    await silentlySetHash("hash-3");
    // A balance change (every send's debit) notifies nobody: the key stays in memory.
    await raw.query("UPDATE accounts SET balance_micros = balance_micros - 1 WHERE id = $1", [accountId]);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await hashSeen(), "hash-1");
    await other.accounts.update(accountId, { status: "disabled" });
    await waitFor("the account is seen disabled", async () => {
      const found = await store.keys.findWithAccount(keyId);
      return found?.account.status === "disabled" && found.key.secretHash === "hash-3";
    });
    await other.accounts.update(accountId, { status: "active" });
  });

  it("keeps nothing while it cannot listen, and listens again", async () => {
    await silentlySetHash("hash-1");
    await store.keys.findWithAccount(keyId);
    const { rowCount } = await raw.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()",
    );
    assert.ok((rowCount ?? 0) >= 1);
    // The listener of `store` (and of `other`) is gone: the database answers, not memory.
    await silentlySetHash("hash-4");
    await waitFor("the database answers", async () => (await hashSeen()) === "hash-4");
    // Once listening again, keys are kept again.
    await waitFor("the key is kept again", async () => {
      await store.keys.findWithAccount(keyId);
      await silentlySetHash("hash-5");
      const kept = (await hashSeen()) === "hash-4";
      await silentlySetHash("hash-4");
      return kept;
    });
  });
});
