/**
 * Balances on PostgreSQL: an acceptance group debits several accounts, the delivery writer refunds several,
 * and other processes do the same. Locks taken in opposite orders would deadlock and PostgreSQL would abort
 * one side, failing a whole group of sends or a writer batch; both take account locks in id order. A
 * separate connection stands in for the other transaction, itself locking in id order.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { Dlr, type Message, Status } from "../../src/core/message.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/ports/index.js";
import { createTestDatabase, skipWithoutPostgres, waitForLockWaiters as waitForLocks } from "../helpers/postgres.js";
import { storedMessage } from "../helpers/messages.js";

const message = storedMessage;

describe("transactions locking several accounts (postgres)", { skip: skipWithoutPostgres }, () => {
  let url: string;
  let store: Store;
  let sql: pg.Client;
  before(async () => {
    url = await createTestDatabase();
    store = await openStore(url);
    sql = new pg.Client({ connectionString: url });
    await sql.connect();
  });
  after(async () => {
    await sql.end();
    await store.close();
  });

  const waitForLockWaiters = (n: number) => waitForLocks(sql, n);

  it("a group debits its accounts in id order, whatever order its sends arrived in", async () => {
    const account = () =>
      store.accounts.create({ name: "a", country: "DE", currency: "EUR", balanceMicros: 1_000_000, webhookSecret: "s" }, Date.now());
    const low = await account();
    const high = await account();
    assert.ok(low.id < high.id);
    // The other transaction holds the lower account and will want the higher one next, in id order.
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      await other.query("BEGIN");
      await other.query("SELECT id FROM accounts WHERE id = $1 FOR UPDATE", [low.id]);
      // One group: the higher account's send arrived first.
      const send = (accountId: number) => {
        const m = message(accountId);
        return store.messages.accept({ accountId, messages: [m], totalMicros: m.priceMicros, dueAt: [Date.now()], now: Date.now() });
      };
      const sends = Promise.all([send(high.id), send(low.id)]);
      await waitForLockWaiters(1);
      // Debited in arrival order, the group would hold the higher account now: a lock cycle.
      await other.query("UPDATE accounts SET name = 'other' WHERE id = $1", [high.id]);
      await other.query("COMMIT");
      assert.deepEqual(await sends, ["accepted", "accepted"]);
    } finally {
      await other.end();
    }
    assert.equal((await store.accounts.get(low.id))!.balanceMicros, 950_000);
    assert.equal((await store.accounts.get(high.id))!.balanceMicros, 950_000);
  });

  it("the delivery writer refunds accounts in id order", async () => {
    const account = () =>
      store.accounts.create({ name: "r", country: "DE", currency: "EUR", balanceMicros: 1_000_000, webhookSecret: "s" }, Date.now());
    const low = await account();
    const high = await account();
    const [mLow, mHigh] = [message(low.id), message(high.id)];
    for (const m of [mHigh, mLow]) {
      await store.messages.accept({ accountId: m.accountId, messages: [m], totalMicros: m.priceMicros, dueAt: [Date.now()], now: Date.now() });
    }
    const claimed = await store.delivery.claimDue("owner", Date.now(), 100, 60_000);
    assert.ok([mLow, mHigh].every((m) => claimed.some((c) => c.message.uuid === m.uuid)));
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      // The other side checks for a deadlock first, so a cycle fails it here rather than sending the writer
      // into its deadlock rerun, which would hide the cycle.
      await other.query("SET deadlock_timeout = '20ms'");
      await other.query("BEGIN");
      await other.query("SELECT id FROM accounts WHERE id = $1 FOR UPDATE", [low.id]);
      const fail = (m: Message) =>
        ({ kind: "failed", owner: "owner", message: m, statusCode: Status.NO_ROUTE, dlrCode: Dlr.NONE, refund: true, error: "no route" }) as const;
      const recording = store.delivery.record([fail(mHigh), fail(mLow)], Date.now());
      await waitForLockWaiters(1);
      // Had the writer locked the higher account first, this would close a cycle.
      await other.query("UPDATE accounts SET name = 'other' WHERE id = $1", [high.id]);
      await other.query("COMMIT");
      await recording;
    } finally {
      await other.end();
    }
    assert.equal((await store.accounts.get(low.id))!.balanceMicros, 1_000_000);
    assert.equal((await store.accounts.get(high.id))!.balanceMicros, 1_000_000);
  });
});
