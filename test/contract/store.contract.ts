/**
 * The store contract for the delivery rules: what the app relies on from any store, run against the
 * in-memory store, SQLite and PostgreSQL alike with a fresh store per test (runStoreContract(factory)).
 * The factory's store renders delivery webhooks as the gateway does (LOX24's `sms.delivery`).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, it } from "node:test";
import { Dlr, type Message, Priority, Status } from "../../src/core/message.js";
import type { DeliveryPorts } from "../../src/store/memory/index.js";
import { storedMessage } from "../helpers/messages.js";

export function runStoreContract(
  name: string,
  open: () => Promise<DeliveryPorts>,
  skip: string | false = false,
): void {
  describe(`store contract: delivery rules (${name})`, { skip }, () => {
    let store: DeliveryPorts;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(() => store.close());

    const now = () => Date.now();
    const account = async (balanceMicros = 1_000_000) => {
      const a = await store.accounts.create(
        { name: "c", country: "DE", currency: "EUR", balanceMicros, webhookSecret: "s" },
        now(),
      );
      await store.webhooks.add(a.id, "http://127.0.0.1:9/hook", now());
      return a;
    };
    const accept = (accountId: number, messages: Message[], dueAt = now()) =>
      store.messages.accept({
        accountId,
        messages,
        totalMicros: messages.reduce((s, m) => s + m.priceMicros, 0),
        dueAt: messages.map(() => dueAt),
        now: now(),
      });
    const claimed = async (overrides: Partial<Message> = {}) => {
      const a = await account();
      const m = storedMessage(a.id, overrides);
      assert.equal(await accept(a.id, [m]), "accepted");
      const claims = await store.delivery.claimDue("o", now(), 100, 60_000);
      assert.ok(claims.some((c) => c.message.uuid === m.uuid));
      return { a, m };
    };
    const submitted = (m: Message, smscIds: string[], at = now(), connectorId = "c") =>
      store.delivery.record([{ kind: "submitted", message: m, connectorId, smscIds, at }], at);
    const receipt = (smscId: string, state: "DELIVRD" | "UNDELIV" | "ACCEPTD", connectorId = "c") =>
      store.delivery.applyReceipts([{ connectorId, smscId, state }], now());
    const failure = {
      kind: "failed" as const,
      owner: "o",
      statusCode: Status.NO_ROUTE,
      dlrCode: Dlr.NONE,
      refund: true,
      error: "x",
    };
    const got = async (m: Message) => (await store.messages.get(m.accountId, m.uuid))!;
    const codes = async (m: Message) => {
      const x = await got(m);
      return [x.statusCode, x.dlrCode];
    };
    const events = async (m: Message) =>
      (await store.webhooks.claimDue(now() + 60_000, 1000, 60_000))
        .filter((e) => (e.data as { id: string }).id === m.uuid)
        .map((e) => [
          e.name,
          (e.data as { dlr_code: number }).dlr_code,
          (e.data as { status_code: number }).status_code,
        ]);
    const id = () => randomUUID();

    it("accepts a batch whole or not at all, debiting it", async () => {
      const a = await account(100_000);
      const [m1, m2, m3] = [storedMessage(a.id), storedMessage(a.id), storedMessage(a.id)];
      assert.equal(await accept(a.id, [m1!, m2!]), "accepted");
      assert.equal(await accept(a.id, [m3!]), "insufficient_funds");
      assert.equal((await store.accounts.get(a.id))!.balanceMicros, 0);
      assert.equal(await store.messages.get(a.id, m3!.uuid), undefined);
      assert.equal(await accept(999_999, [storedMessage(999_999)]), "no_account");
    });

    it("claims the transactional lane first, each row once, and takes over lapsed leases", async () => {
      const a = await account(10_000_000);
      const bulk = Array.from({ length: 5 }, () => storedMessage(a.id, { priority: Priority.BULK }));
      const urgent = storedMessage(a.id);
      await accept(a.id, bulk);
      await accept(a.id, [urgent]);
      const [first] = await store.delivery.claimDue("x", now(), 1, 60_000);
      assert.equal(first!.message.uuid, urgent.uuid);
      assert.equal((await store.delivery.claimDue("y", now(), 100, 60_000)).length, 5);
      assert.equal((await store.delivery.claimDue("z", now(), 100, 60_000)).length, 0);
      assert.deepEqual(await store.delivery.queueDepth(), { transactional: 1, bulk: 5 });
      assert.equal((await store.delivery.claimDue("late", now() + 61_000, 100, 60_000)).length, 6);
    });

    it("cancels only an unclaimed message, refunding it once", async () => {
      const a = await account(100_000);
      const [busy, free] = [storedMessage(a.id), storedMessage(a.id)];
      await accept(a.id, [busy]);
      await store.delivery.claimDue("o", now(), 10, 60_000);
      await accept(a.id, [free], now() + 3_600_000);
      assert.equal(await store.messages.cancel(a.id, busy.uuid, now()), "already_transmitted");
      assert.equal(await store.messages.cancel(a.id, free.uuid, now()), "cancelled");
      assert.equal(await store.messages.cancel(a.id, free.uuid, now()), "already_transmitted");
      assert.equal((await store.accounts.get(a.id))!.balanceMicros, 50_000);
      assert.equal((await got(free)).statusCode, Status.CANCELLED);
    });

    it("follows a long message's parts: delivered when all are, early receipts wait, final never reopens", async () => {
      const { m } = await claimed({ partsCount: 2 });
      const [p1, p2] = [id(), id()];
      await receipt(p2, "DELIVRD"); // overtakes the submit record
      await submitted(m, [p1, p2]);
      assert.deepEqual(await codes(m), [Status.TRANSMITTED, Dlr.EN_ROUTE]);
      assert.equal((await got(m)).isSent, true);
      await receipt(p1, "DELIVRD");
      assert.deepEqual(await codes(m), [Status.TRANSMITTED, Dlr.DELIVERED]);
      await receipt(p1, "UNDELIV");
      assert.equal((await got(m)).dlrCode, Dlr.DELIVERED);
      assert.deepEqual(await events(m), [
        ["sms.delivery", Dlr.EN_ROUTE, Status.TRANSMITTED],
        ["sms.delivery", Dlr.DELIVERED, Status.TRANSMITTED],
      ]);
      assert.deepEqual(await store.delivery.queueDepth(), { transactional: 0, bulk: 0 });
    });

    it("fails a long message as soon as one part fails", async () => {
      const { m } = await claimed({ partsCount: 3 });
      const parts = [id(), id(), id()];
      await submitted(m, parts);
      await receipt(parts[1]!, "UNDELIV");
      assert.equal((await got(m)).dlrCode, Dlr.REJECTED);
    });

    it("erases the text of an is_text_deleted message once it is final", async () => {
      const { m } = await claimed({ isTextDeleted: true });
      const s = id();
      await submitted(m, [s]);
      assert.equal((await got(m)).text, "hello");
      await receipt(s, "DELIVRD");
      assert.equal((await got(m)).text, null);
    });

    it("ends a failed message once and refunds it once", async () => {
      const { a, m } = await claimed();
      await store.delivery.record([{ ...failure, message: m }], now());
      await store.delivery.record([{ ...failure, message: m }], now());
      assert.equal((await store.accounts.get(a.id))!.balanceMicros, 1_000_000);
      assert.equal((await got(m)).statusCode, Status.NO_ROUTE);
      assert.deepEqual(await events(m), [["sms.delivery", Dlr.NONE, Status.NO_ROUTE]]);
    });

    it("leaves a claim that lapsed and was taken over to its new holder: no retry, no failure, no refund", async () => {
      const { a, m } = await claimed();
      await store.delivery.claimDue("taker", now() + 61_000, 100, 60_000);
      await store.delivery.record(
        [{ kind: "retry", owner: "o", message: m, dueAt: now(), error: "x", countAttempt: true }],
        now(),
      );
      await store.delivery.record([{ ...failure, message: m }], now());
      assert.deepEqual(await codes(m), [Status.NEW, Dlr.NONE]);
      assert.equal((await store.accounts.get(a.id))!.balanceMicros, 950_000);
      assert.equal(
        (await store.delivery.claimDue("third", now() + 1000, 100, 60_000)).length,
        0,
        "still the taker's",
      );
      await store.delivery.record(
        [{ kind: "retry", owner: "taker", message: m, dueAt: now() - 1, error: "x", countAttempt: true }],
        now(),
      );
      const [again] = await store.delivery.claimDue("third", now(), 100, 60_000);
      assert.equal(again!.attempts, 1);
    });

    it("records only the first outcome of a message submitted twice; the second's receipts change nothing", async () => {
      const { m } = await claimed();
      const [s1, s2] = [id(), id()];
      await submitted(m, [s1]);
      await submitted(m, [s2]);
      await receipt(s2, "UNDELIV");
      assert.equal((await got(m)).dlrCode, Dlr.EN_ROUTE);
      await receipt(s1, "DELIVRD");
      assert.equal((await got(m)).dlrCode, Dlr.DELIVERED);
      assert.deepEqual(
        (await events(m)).map((e) => e[1]),
        [Dlr.EN_ROUTE, Dlr.DELIVERED],
      );
    });

    it("gives a receipt for a repeated SMSC id to the message that got it most recently and still awaits one", async () => {
      const s = id();
      const { m: a } = await claimed();
      await submitted(a, [s], now() - 3000);
      await receipt(s, "DELIVRD");
      const { m: b } = await claimed();
      await receipt(s, "UNDELIV"); // b's receipt, before b's submit is recorded: it waits
      await submitted(b, [s], now() - 2000);
      assert.equal((await got(a)).dlrCode, Dlr.DELIVERED);
      assert.equal((await got(b)).dlrCode, Dlr.REJECTED);
      const { m: c } = await claimed();
      const { m: d } = await claimed();
      const t = id();
      await submitted(c, [t], now() - 2000);
      await submitted(d, [t], now() - 1000);
      await receipt(t, "DELIVRD");
      assert.deepEqual([(await got(c)).dlrCode, (await got(d)).dlrCode], [Dlr.EN_ROUTE, Dlr.DELIVERED]);
    });

    it("hands a long message's accepted parts to the next claim and keeps them when the rest is submitted", async () => {
      const { m } = await claimed({ partsCount: 3 });
      const [p1, p2, p3] = [id(), id(), id()];
      await receipt(p1, "DELIVRD");
      const accepted = { connectorId: "c", smscIds: [p1] };
      await store.delivery.record(
        [
          {
            kind: "retry",
            owner: "o",
            message: m,
            dueAt: now() - 1,
            error: "throttled",
            countAttempt: true,
            accepted,
          },
        ],
        now(),
      );
      assert.deepEqual(await codes(m), [Status.NEW, Dlr.NONE]);
      const [again] = await store.delivery.claimDue("o2", now(), 10, 60_000);
      assert.deepEqual(again!.accepted, accepted);
      await submitted(m, [p1, p2, p3]);
      await receipt(p2, "DELIVRD");
      await receipt(p3, "DELIVRD");
      assert.deepEqual(await codes(m), [Status.TRANSMITTED, Dlr.DELIVERED]);
    });

    it("maintenance: expires what got no final receipt in time and drops receipts that waited too long", async () => {
      const { m } = await claimed();
      await submitted(m, [id()], now() - 10_000);
      const stray = id();
      await receipt(stray, "DELIVRD");
      assert.equal(await store.delivery.expireStale(now() - 60_000, now()), 0);
      assert.equal(await store.delivery.expireStale(now() + 1000, now()), 1);
      assert.deepEqual(await codes(m), [Status.TRANSMITTED, Dlr.EXPIRED]);
      // The stray receipt was dropped: a later submit with its id stays en route.
      const { m: later } = await claimed();
      await submitted(later, [stray]);
      assert.equal((await got(later)).dlrCode, Dlr.EN_ROUTE);
    });

    // Calls made in the same tick share one group commit on the SQL stores: these exercise its batches.
    it("records many mixed outcomes in one batch: refunds once, counts retry attempts, applies receipts", async () => {
      const a = await account(1_000_000_000);
      const ms = Array.from({ length: 60 }, () => storedMessage(a.id, { priority: Priority.BULK }));
      await accept(a.id, ms);
      await store.delivery.claimDue("o", now(), 1000, 60_000);
      const balance = (await store.accounts.get(a.id))!.balanceMicros;
      const [sent, failed, retried] = [ms.slice(0, 30), ms.slice(30, 45), ms.slice(45)];
      const fail = (m: Message) => ({ ...failure, message: m });
      await Promise.all([
        store.delivery.record(
          sent.map((m) => ({
            kind: "submitted",
            message: m,
            connectorId: "c",
            smscIds: [`many-${m.uuid}`],
            at: now(),
          })),
          now(),
        ),
        store.delivery.record(failed.map(fail), now()),
        store.delivery.record([fail(failed[0]!), fail(failed[1]!)], now()), // recorded twice: refunded once
        store.delivery.record(
          retried.map((m, i) => ({
            kind: "retry",
            owner: "o",
            message: m,
            dueAt: now() - 1,
            error: "busy",
            countAttempt: i % 2 === 0,
          })),
          now(),
        ),
        store.delivery.applyReceipts(
          sent.map((m) => ({ connectorId: "c", smscId: `many-${m.uuid}`, state: "DELIVRD" })),
          now(),
        ),
      ]);
      assert.equal((await store.accounts.get(a.id))!.balanceMicros, balance + 15 * 50_000);
      for (const m of sent) assert.equal((await got(m)).dlrCode, Dlr.DELIVERED);
      for (const m of failed) assert.equal((await got(m)).statusCode, Status.NO_ROUTE);
      const again = await store.delivery.claimDue("again", now(), 1000, 60_000);
      assert.deepEqual(new Set(again.map((c) => c.message.uuid)), new Set(retried.map((m) => m.uuid)));
      const attempts = new Map(again.map((c) => [c.message.uuid, c.attempts]));
      for (const [i, m] of retried.entries()) assert.equal(attempts.get(m.uuid), i % 2 === 0 ? 1 : 0);
    });

    it("applies a receipt with the submit it follows, whichever arrived first", async () => {
      const { m: m1 } = await claimed();
      const { m: m2 } = await claimed();
      const [s1, s2] = [id(), id()];
      await Promise.all([
        submitted(m1, [s1]),
        receipt(s1, "DELIVRD"),
        receipt(s2, "UNDELIV"),
        submitted(m2, [s2]),
      ]);
      assert.equal((await got(m1)).dlrCode, Dlr.DELIVERED);
      assert.equal((await got(m2)).dlrCode, Dlr.REJECTED);
    });

    it("queues one message's events in the order they happened, even when a receipt's clock ran behind", async () => {
      const { m } = await claimed({ partsCount: 2 });
      const t = now();
      const s = id();
      // Part 1 was rejected (its receipt timed at t) before part 2's submit_sm_resp, recorded at t + 3.
      await Promise.all([
        store.delivery.applyReceipts([{ connectorId: "c", smscId: s, state: "REJECTD" }], t),
        store.delivery.record(
          [{ kind: "submitted", message: m, connectorId: "c", smscIds: [s, id()], at: t + 3 }],
          t + 3,
        ),
      ]);
      assert.deepEqual(
        (await events(m)).map((e) => e[1]),
        [Dlr.EN_ROUTE, Dlr.REJECTED],
      );
    });

    it("hands webhook events to one claimer, takes them back unsent, records attempts", async () => {
      const { m } = await claimed();
      await submitted(m, [id()]);
      const [event] = await store.webhooks.claimDue(now() + 1000, 10, 60_000);
      assert.ok(event);
      assert.equal((await store.webhooks.claimDue(now() + 1000, 10, 60_000)).length, 0, "leased");
      await store.webhooks.release([event.id]);
      const [again] = await store.webhooks.claimDue(now() + 1000, 10, 60_000);
      assert.equal(again!.id, event.id);
      await store.webhooks.recordAttempts([
        { id: event.id, delivered: false, attempts: 1, nextAttemptAt: null, error: "gone" },
      ]);
      assert.deepEqual(await store.webhooks.counts(), { dead: 1 });
    });
  });
}
