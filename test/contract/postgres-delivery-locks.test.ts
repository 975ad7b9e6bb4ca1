/**
 * Several Starling processes share one PostgreSQL database, so the delivery writer of one process meets
 * other processes' writers on the same message rows (another writer's receipts or submit records, another
 * maintenance's expireStale), and a customer's cancel or a dispatcher's lease renewal on its queue row.
 * A separate connection stands in for the other process: it holds a message's rows locked while it
 * changes them, and the store must wait for it and then see what it wrote (or, where waiting could close
 * a lock cycle, not wait at all). SQLite has one writer connection, so these interleavings cannot happen
 * there.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { Dlr, Status } from "../../src/core/message.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/ports/index.js";
import { createTestDatabase, skipWithoutPostgres, waitForLockWaiters as waitForLocks } from "../helpers/postgres.js";
import { GATEWAY_STORE_OPTIONS } from "../helpers/stores.js";
import { storedMessage } from "../helpers/messages.js";

const message = storedMessage;

describe("delivery writer and other processes' writers (postgres)", { skip: skipWithoutPostgres }, () => {
  let url: string;
  let store: Store;
  let other: Store; // a second process's store: its own pool and its own delivery writer
  let sql: pg.Client; // the test's own look at the database (never inside the other transactions)
  before(async () => {
    url = await createTestDatabase();
    store = await openStore(url, GATEWAY_STORE_OPTIONS);
    other = await openStore(url, GATEWAY_STORE_OPTIONS);
    sql = new pg.Client({ connectionString: url });
    await sql.connect();
  });
  after(async () => {
    await sql.end();
    await store.close();
    await other.close();
  });

  const id = () => randomUUID().slice(0, 12);

  /** An accepted message claimed by "o" (a 60 s lease), not yet recorded; its account has a callback URL. */
  async function claimedMessage(partsCount = 1) {
    const a = await store.accounts.create(
      { name: "c", country: "DE", currency: "EUR", balanceMicros: 1_000_000, webhookSecret: "s" },
      Date.now(),
    );
    await store.webhooks.add(a.id, "http://127.0.0.1:9/hook", Date.now());
    const m = message(a.id, { partsCount });
    await store.messages.accept({ accountId: a.id, messages: [m], totalMicros: m.priceMicros, dueAt: [Date.now()], now: Date.now() });
    const claims = await store.delivery.claimDue("o", Date.now(), 100, 60_000);
    assert.ok(claims.some((c) => c.message.uuid === m.uuid));
    return { m, a };
  }

  /** A transmitted message, its parts' smsc ids recorded. */
  async function transmitted(partsCount: number) {
    const { m, a } = await claimedMessage(partsCount);
    const smscIds = Array.from({ length: partsCount }, id);
    await store.delivery.record([{ kind: "submitted", message: m, connectorId: "c", smscIds, at: Date.now() }], Date.now());
    assert.equal((await store.messages.get(a.id, m.uuid))!.dlrCode, Dlr.EN_ROUTE);
    return { m, a, smscIds };
  }

  /** Another process's transaction holding row locks (`lock` is a SELECT … FOR UPDATE of the message's rows). */
  async function otherTransaction(lock: string, uuid: string): Promise<pg.Client> {
    const t1 = new pg.Client({ connectionString: url });
    await t1.connect();
    await t1.query("BEGIN");
    const { rows } = await t1.query(lock, [uuid]);
    assert.ok(rows.length > 0);
    return t1;
  }

  const waitForLockWaiters = (n: number) => waitForLocks(sql, n);

  const settled = (p: Promise<unknown>) => {
    const state = { done: false };
    p.then(
      () => (state.done = true),
      () => (state.done = true),
    );
    return state;
  };

  /** The dlr codes of the message's sms.delivery events in the outbox, ascending. */
  async function dlrEvents(uuid: string): Promise<number[]> {
    const { rows } = await sql.query("SELECT data FROM webhook_outbox WHERE name = 'sms.delivery'");
    return rows
      .map((r) => JSON.parse(r.data) as { id: string; dlr_code: number })
      .filter((d) => d.id === uuid)
      .map((d) => d.dlr_code)
      .sort((x, y) => x - y);
  }

  const pendingFor = async (smscId: string) =>
    (await sql.query("SELECT count(*)::int AS n FROM pending_receipts WHERE smsc_id = $1", [smscId])).rows[0].n as number;

  it("a receipt waits for a concurrent expiry and does not overwrite it (no second final event)", async () => {
    const { m, a, smscIds } = await transmitted(1);
    // The other process's expireStale has read the message (FOR UPDATE) and is about to expire it.
    const t1 = await otherTransaction("SELECT dlr_code FROM messages WHERE uuid = $1 FOR UPDATE", m.uuid);
    try {
      const applying = store.delivery.applyReceipts([{ connectorId: "c", smscId: smscIds[0]!, state: "DELIVRD" }], Date.now());
      const state = settled(applying);
      await waitForLockWaiters(1);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(state.done, false, "the receipt must wait for the other transaction's row lock");
      // What expireStale writes in its own transaction (its event is the other process's business).
      await t1.query("UPDATE messages SET dlr_code = $1, updated_at = $2 WHERE uuid = $3", [Dlr.EXPIRED, Date.now(), m.uuid]);
      await t1.query("COMMIT");
      await applying;
    } finally {
      await t1.end();
    }
    assert.equal((await store.messages.get(a.id, m.uuid))!.dlrCode, Dlr.EXPIRED, "a final message never changes again");
    assert.deepEqual(await dlrEvents(m.uuid), [Dlr.EN_ROUTE], "no final event for a receipt that came too late");
  });

  it("two processes' receipts for the parts of one message add up: the later sees the earlier's part", async () => {
    const { m, a, smscIds } = await transmitted(2);
    // Holding the parts' rows makes both writers reach their part UPDATE before either commits: without
    // the message lock both would have read the other part as en route and the message would stay so.
    const t1 = await otherTransaction("SELECT state FROM message_parts WHERE message_uuid = $1 FOR UPDATE", m.uuid);
    let both: Promise<unknown> | undefined;
    try {
      // Each process's writer gets the receipt of one part.
      both = Promise.all([
        store.delivery.applyReceipts([{ connectorId: "c", smscId: smscIds[0]!, state: "DELIVRD" }], Date.now()),
        other.delivery.applyReceipts([{ connectorId: "c", smscId: smscIds[1]!, state: "DELIVRD" }], Date.now()),
      ]);
      await waitForLockWaiters(2);
      await t1.query("COMMIT");
      await both;
    } finally {
      await t1.end();
      await both?.catch(() => {});
    }
    assert.equal((await store.messages.get(a.id, m.uuid))!.dlrCode, Dlr.DELIVERED);
    assert.deepEqual(await dlrEvents(m.uuid), [Dlr.DELIVERED, Dlr.EN_ROUTE]);
  });

  it("a second submit of a message waits for another process's receipt and leaves it delivered", async () => {
    const { m, a } = await transmitted(1);
    // Another process's delivery writer holds the message while it applies a DELIVRD receipt.
    const t1 = await otherTransaction("SELECT dlr_code FROM messages WHERE uuid = $1 FOR UPDATE", m.uuid);
    try {
      // Meanwhile a dispatcher that took over the lapsed lease submitted the message again.
      const again = store.delivery.record([{ kind: "submitted", message: m, connectorId: "c", smscIds: [id()], at: Date.now() }], Date.now());
      const state = settled(again);
      await waitForLockWaiters(1);
      assert.equal(state.done, false, "the submit record must wait for the other transaction's row lock");
      await t1.query("UPDATE messages SET dlr_code = $1, updated_at = $2 WHERE uuid = $3", [Dlr.DELIVERED, Date.now(), m.uuid]);
      await t1.query("COMMIT");
      await again;
    } finally {
      await t1.end();
    }
    const got = (await store.messages.get(a.id, m.uuid))!;
    assert.deepEqual([got.statusCode, got.dlrCode], [Status.TRANSMITTED, Dlr.DELIVERED], "a final message never changes again");
    assert.deepEqual(await dlrEvents(m.uuid), [Dlr.EN_ROUTE], "no second en route event");
  });

  it("a receipt stored while another process records its submit is applied by the next maintenance", async () => {
    const { m, a } = await claimedMessage();
    const x = id();
    // A message of another batch whose row the test holds: the other process's writer stops there, after
    // it has looked for the part of x (not there yet) and before it stores the receipt as waiting.
    const n = await transmitted(1);
    const t1 = await otherTransaction("SELECT dlr_code FROM messages WHERE uuid = $1 FOR UPDATE", n.m.uuid);
    let receipts: Promise<unknown> | undefined;
    try {
      receipts = other.delivery.applyReceipts(
        [
          { connectorId: "c", smscId: x, state: "DELIVRD" },
          { connectorId: "c", smscId: n.smscIds[0]!, state: "ENROUTE" },
        ],
        Date.now(),
      );
      await waitForLockWaiters(1);
      // This process records the submit of x and looks for receipts waiting for it: none committed yet.
      await store.delivery.record([{ kind: "submitted", message: m, connectorId: "c", smscIds: [x], at: Date.now() }], Date.now());
      await t1.query("COMMIT");
      await receipts;
    } finally {
      await t1.end();
      await receipts?.catch(() => {});
    }
    assert.equal(await pendingFor(x), 1, "the race left the receipt waiting for a submit already recorded");
    assert.equal((await store.messages.get(a.id, m.uuid))!.dlrCode, Dlr.EN_ROUTE);

    await store.delivery.expireStale(Date.now() - 60_000, Date.now());
    assert.equal((await store.messages.get(a.id, m.uuid))!.dlrCode, Dlr.DELIVERED);
    assert.equal(await pendingFor(x), 0);
    assert.deepEqual(await dlrEvents(m.uuid), [Dlr.DELIVERED, Dlr.EN_ROUTE]);
  });

  it("a submit record applies only the waiting receipts it took, not those another process's maintenance took", async () => {
    const { m, a } = await claimedMessage();
    const x = id();
    await store.delivery.applyReceipts([{ connectorId: "c", smscId: x, state: "DELIVRD" }], Date.now());
    assert.equal(await pendingFor(x), 1);
    // Another process's maintenance has taken the waiting receipt (as takeMatchedReceipts does) and is
    // about to apply it itself.
    const t1 = await otherTransaction("SELECT id FROM pending_receipts WHERE smsc_id = $1 FOR UPDATE", x);
    let recording: Promise<void> | undefined;
    try {
      await t1.query("DELETE FROM pending_receipts WHERE smsc_id = $1", [x]);
      recording = store.delivery.record([{ kind: "submitted", message: m, connectorId: "c", smscIds: [x], at: Date.now() }], Date.now());
      // Whether the writer waits for the row or passes it by, it must not apply the receipt.
      const state = settled(recording);
      for (let i = 0; i < 50 && !state.done; i++) await new Promise((r) => setTimeout(r, 10));
      await t1.query("COMMIT");
      await recording;
    } finally {
      await t1.end();
      await recording?.catch(() => {});
    }
    assert.equal((await store.messages.get(a.id, m.uuid))!.dlrCode, Dlr.EN_ROUTE, "the receipt is the other process's to apply");
    assert.deepEqual(await dlrEvents(m.uuid), [Dlr.EN_ROUTE]);
  });

  it("a waiting receipt another transaction held and then gave back is applied by the next maintenance", async () => {
    const { m, a } = await claimedMessage();
    const x = id();
    await store.delivery.applyReceipts([{ connectorId: "c", smscId: x, state: "DELIVRD" }], Date.now());
    const t1 = await otherTransaction("SELECT id FROM pending_receipts WHERE smsc_id = $1 FOR UPDATE", x);
    let recording: Promise<void> | undefined;
    try {
      recording = store.delivery.record([{ kind: "submitted", message: m, connectorId: "c", smscIds: [x], at: Date.now() }], Date.now());
      const state = settled(recording);
      for (let i = 0; i < 50 && !state.done; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(state.done, true, "the submit record passes a held receipt by rather than wait for it");
      await t1.query("ROLLBACK");
      await recording;
    } finally {
      await t1.end();
      await recording?.catch(() => {});
    }
    await store.delivery.expireStale(Date.now() - 60_000, Date.now());
    assert.equal((await store.messages.get(a.id, m.uuid))!.dlrCode, Dlr.DELIVERED);
    assert.equal(await pendingFor(x), 0);
    assert.deepEqual(await dlrEvents(m.uuid), [Dlr.DELIVERED, Dlr.EN_ROUTE]);
  });

  it("maintenance leaves a waiting receipt older than the one its part already has waiting, unapplied", async () => {
    const { m, a, smscIds } = await transmitted(2);
    const [x1, x2] = smscIds as [string, string];
    // An intermediate receipt left waiting by the race above, then x1's final receipt applied directly.
    await sql.query("INSERT INTO pending_receipts (connector_id, smsc_id, state, received_at) VALUES ('c', $1, 'ACCEPTD', $2)", [
      x1,
      Date.now() - 1000,
    ]);
    await store.delivery.applyReceipts([{ connectorId: "c", smscId: x1, state: "DELIVRD" }], Date.now());
    await store.delivery.expireStale(Date.now() - 60_000, Date.now());
    // x1 has its answer, so the older receipt matches no part awaiting one: it may be for a later submit
    // that reuses the id (SMSC ids repeat), and waits for it until the validity period drops it.
    assert.equal(await pendingFor(x1), 1);
    await store.delivery.applyReceipts([{ connectorId: "c", smscId: x2, state: "DELIVRD" }], Date.now());
    assert.equal((await store.messages.get(a.id, m.uuid))!.dlrCode, Dlr.DELIVERED);
    await store.delivery.expireStale(Date.now() + 1000, Date.now());
    assert.equal(await pendingFor(x1), 0);
  });

  it("cancel and the delivery writer take a message's locks in the same order (no deadlock)", async () => {
    const { m, a } = await claimedMessage();
    const balance = (await store.accounts.get(a.id))!.balanceMicros;
    // Both wait for the message row behind another transaction: the writer first, then the cancel.
    const t1 = await otherTransaction("SELECT dlr_code FROM messages WHERE uuid = $1 FOR UPDATE", m.uuid);
    let both: Promise<[unknown, unknown]> | undefined;
    try {
      const recording = store.delivery.record([{ kind: "submitted", message: m, connectorId: "c", smscIds: [id()], at: Date.now() }], Date.now());
      await waitForLockWaiters(1);
      // The dispatcher stalled past its lease, so the cancel may take the queue row.
      const cancelling = store.messages.cancel(a.id, m.uuid, Date.now() + 61_000);
      both = Promise.all([recording, cancelling]);
      await waitForLockWaiters(2);
      await t1.query("COMMIT");
      const [, outcome] = await both;
      assert.equal(outcome, "already_transmitted");
    } finally {
      await t1.end();
      await both?.catch(() => {});
    }
    const got = (await store.messages.get(a.id, m.uuid))!;
    assert.deepEqual([got.statusCode, got.dlrCode], [Status.TRANSMITTED, Dlr.EN_ROUTE]);
    assert.equal((await store.accounts.get(a.id))!.balanceMicros, balance);
  });

  it("a writer batch aborted by a deadlock runs again instead of failing its outcomes", async () => {
    const { m, a } = await claimedMessage();
    // A transaction that takes the queue row and then the message, the reverse of the writer's order.
    const t1 = await otherTransaction("SELECT attempts FROM queue WHERE message_uuid = $1 FOR UPDATE", m.uuid);
    let recording: Promise<void> | undefined;
    try {
      recording = store.delivery.record([{ kind: "submitted", message: m, connectorId: "c", smscIds: [id()], at: Date.now() }], Date.now());
      await waitForLockWaiters(1); // the writer holds the message and waits for the queue row
      // Closing the cycle. The writer has waited longer, so its deadlock check runs first and aborts it.
      await t1.query("SELECT dlr_code FROM messages WHERE uuid = $1 FOR UPDATE", [m.uuid]);
      await t1.query("COMMIT");
      await recording;
    } finally {
      await t1.end();
      await recording?.catch(() => {});
    }
    const got = (await store.messages.get(a.id, m.uuid))!;
    assert.deepEqual([got.statusCode, got.dlrCode], [Status.TRANSMITTED, Dlr.EN_ROUTE]);
    assert.deepEqual(await dlrEvents(m.uuid), [Dlr.EN_ROUTE]);
  });

  it("a cancel aborted by a deadlock runs again instead of failing the customer's request", async () => {
    const a = await store.accounts.create(
      { name: "c", country: "DE", currency: "EUR", balanceMicros: 1_000_000, webhookSecret: "s" },
      Date.now(),
    );
    const m = message(a.id);
    await store.messages.accept({ accountId: a.id, messages: [m], totalMicros: m.priceMicros, dueAt: [Date.now() + 60_000], now: Date.now() });
    // A transaction that takes the queue row and then the message, as a writer batch with a retry and a
    // later outcome of the same message does.
    const t1 = await otherTransaction("SELECT attempts FROM queue WHERE message_uuid = $1 FOR UPDATE", m.uuid);
    let cancelling: Promise<unknown> | undefined;
    try {
      cancelling = store.messages.cancel(a.id, m.uuid, Date.now());
      await waitForLockWaiters(1); // the cancel holds the message and waits for the queue row
      // Closing the cycle. The cancel has waited longer, so its deadlock check runs first and aborts it.
      await t1.query("SELECT dlr_code FROM messages WHERE uuid = $1 FOR UPDATE", [m.uuid]);
      await t1.query("COMMIT");
      assert.equal(await cancelling, "cancelled");
    } finally {
      await t1.end();
      await cancelling?.catch(() => {});
    }
    assert.equal((await store.messages.get(a.id, m.uuid))!.statusCode, Status.CANCELLED);
    assert.equal((await store.accounts.get(a.id))!.balanceMicros, 1_000_000);
  });

  it("a lease renewal skips a queue row another transaction holds instead of waiting for it", async () => {
    const { m } = await claimedMessage();
    const leaseUntil = async () =>
      Number((await sql.query("SELECT lease_until FROM queue WHERE message_uuid = $1", [m.uuid])).rows[0].lease_until);
    const before = await leaseUntil();
    const t1 = await otherTransaction("SELECT attempts FROM queue WHERE message_uuid = $1 FOR UPDATE", m.uuid);
    let renewing: Promise<void> | undefined;
    try {
      renewing = store.delivery.renewLeases("o", [m.uuid], Date.now() + 120_000);
      const state = settled(renewing);
      while (!state.done) {
        const { rows } = await sql.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        );
        assert.equal(rows[0].n, 0, "the renewal must not wait for the held row");
        await new Promise((r) => setTimeout(r, 10));
      }
      await renewing;
    } finally {
      await t1.query("ROLLBACK");
      await t1.end();
      await renewing?.catch(() => {});
    }
    assert.equal(await leaseUntil(), before);
  });
});
