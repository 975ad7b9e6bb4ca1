/**
 * One contract for every store adapter: what the app relies on, run against SQLite and PostgreSQL alike.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import pg from "pg";
import { Dlr, type Message, Priority, Status } from "../../src/core/message.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/ports/index.js";
import { GATEWAY_STORE_OPTIONS, storeTargets } from "../helpers/stores.js";
import { storedMessage } from "../helpers/messages.js";

const message = storedMessage;

for (const target of storeTargets) {
  describe(`store contract (${target.name})`, { skip: target.skip }, () => {
    let store: Store;
    let url: string;
    before(async () => {
      url = await target.url();
      store = await openStore(url, GATEWAY_STORE_OPTIONS);
    });
    after(() => store.close());

    const account = (balanceMicros: number) =>
      store.accounts.create({ name: "c", country: "DE", currency: "EUR", balanceMicros, webhookSecret: "s" }, Date.now());
    const accept = (accountId: number, messages: Message[]) =>
      store.messages.accept({
        accountId, messages, totalMicros: messages.reduce((s, m) => s + m.priceMicros, 0),
        dueAt: messages.map(() => Date.now()), now: Date.now(),
      });

    it("runs migrations idempotently on reopen, keeping what was stored", async () => {
      const kept = await account(123);
      const before = await store.accounts.count();
      const again = await openStore(url);
      try {
        assert.ok(before > 0);
        assert.equal(await again.accounts.count(), before);
        assert.equal((await again.accounts.get(kept.id))?.balanceMicros, 123);
      } finally {
        await again.close();
      }
    });

    it("accepts concurrent batches each on its own: refused ones leave no trace", async () => {
      const a = await account(200_000); // four messages' worth
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => accept(a.id, [message(a.id)])));
      assert.equal(outcomes.filter((o) => o === "accepted").length, 4);
      assert.equal(outcomes.filter((o) => o === "insufficient_funds").length, 6);
      assert.equal((await store.accounts.get(a.id))!.balanceMicros, 0);
      const { total } = await store.messages.list(a.id, { page: 1, perPage: 50, order: "desc" });
      assert.equal(total, 4);
      assert.equal(await accept(999_999, [message(999_999)]), "no_account");
    });

    it("debits the concurrent batches of several accounts in one group, each account by their sum", async () => {
      const [a, b] = [await account(1_000_000), await account(1_000_000)];
      const t = Date.now();
      // due now (t), so that the next test's drain of earlier rows takes them
      const at = (accountId: number, now: number) => {
        const m = message(accountId);
        return store.messages.accept({ accountId, messages: [m], totalMicros: m.priceMicros, dueAt: [t], now });
      };
      // Same tick: one group commit, interleaved accounts, the last of each account's batches not the latest.
      const outcomes = await Promise.all([at(b.id, t + 1), at(a.id, t + 5), at(b.id, t + 3), at(a.id, t + 2)]);
      assert.deepEqual(outcomes, ["accepted", "accepted", "accepted", "accepted"]);
      const price = message(a.id).priceMicros;
      for (const [acc, last] of [[a, t + 2], [b, t + 3]] as const) {
        const row = (await store.accounts.get(acc.id))!;
        assert.equal(row.balanceMicros, 1_000_000 - 2 * price);
        assert.equal(row.balanceChangedAt, last); // as the last of the separate debits left it
        const { total } = await store.messages.list(acc.id, { page: 1, perPage: 50, order: "desc" });
        assert.equal(total, 2);
      }
    });

    it("claims each due row once across concurrent claimers, transactional lane first", async () => {
      await store.delivery.claimDue("drain", Date.now(), 100_000, 3_600_000); // rows of earlier tests
      const a = await account(1_000_000_000);
      const bulk = Array.from({ length: 300 }, () => message(a.id, { priority: Priority.BULK }));
      const urgent = Array.from({ length: 5 }, () => message(a.id));
      await accept(a.id, bulk);
      await accept(a.id, urgent);
      const first = await store.delivery.claimDue("x", Date.now(), 5, 60_000);
      assert.deepEqual(new Set(first.map((c) => c.message.uuid)), new Set(urgent.map((m) => m.uuid)));
      const claims = await Promise.all(
        Array.from({ length: 6 }, (_, i) => store.delivery.claimDue(`c${i}`, Date.now(), 100, 60_000)),
      );
      const uuids = claims.flat().map((c) => c.message.uuid);
      assert.equal(uuids.length, 300);
      assert.equal(new Set(uuids).size, 300);
      // A lapsed lease is taken over.
      const later = await store.delivery.claimDue("late", Date.now() + 61_000, 1000, 60_000);
      assert.equal(later.filter((c) => c.message.accountId === a.id).length, 305);
    });

    it("does not cancel a claimed message, and refunds a cancelled one exactly once", async () => {
      const a = await account(100_000);
      const claimed = message(a.id);
      const free = message(a.id, { deliveryAt: Math.floor(Date.now() / 1000) + 3600 });
      await accept(a.id, [claimed]);
      await store.messages.accept({ accountId: a.id, messages: [free], totalMicros: 50_000, dueAt: [Date.now() + 3_600_000], now: Date.now() });
      await store.delivery.claimDue("owner", Date.now(), 10, 60_000);
      assert.equal(await store.messages.cancel(a.id, claimed.uuid, Date.now()), "already_transmitted");
      assert.equal(await store.messages.cancel(a.id, free.uuid, Date.now()), "cancelled");
      assert.equal(await store.messages.cancel(a.id, free.uuid, Date.now()), "already_transmitted");
      assert.equal((await store.accounts.get(a.id))!.balanceMicros, 50_000);
      assert.equal(await store.messages.cancel(a.id + 1000, free.uuid, Date.now()), "not_found");
    });

    it("records submit and receipts: multipart delivered only when all parts are; early receipts wait", async () => {
      const a = await account(1_000_000);
      const m = message(a.id, { partsCount: 2 });
      await accept(a.id, [m]);
      const [claim] = await store.delivery.claimDue("o", Date.now(), 10, 60_000);
      assert.equal(claim!.message.uuid, m.uuid);
      // The receipt of part 2 overtakes the submit record.
      await store.delivery.applyReceipts([{ connectorId: "c", smscId: "B", state: "DELIVRD" }], Date.now());
      await store.delivery.record([{ kind: "submitted", message: m, connectorId: "c", smscIds: ["A", "B"], at: Date.now() }], Date.now());
      let got = (await store.messages.get(a.id, m.uuid))!;
      assert.equal(got.statusCode, Status.TRANSMITTED);
      assert.equal(got.dlrCode, Dlr.EN_ROUTE);
      await store.delivery.applyReceipts([{ connectorId: "c", smscId: "A", state: "DELIVRD" }], Date.now());
      got = (await store.messages.get(a.id, m.uuid))!;
      assert.equal(got.dlrCode, Dlr.DELIVERED);
      // A late failure does not reopen a final message.
      await store.delivery.applyReceipts([{ connectorId: "c", smscId: "A", state: "UNDELIV" }], Date.now());
      assert.equal((await store.messages.get(a.id, m.uuid))!.dlrCode, Dlr.DELIVERED);
      assert.deepEqual(await store.delivery.queueDepth(), await store.delivery.queueDepth());
    });

    it("refunds a failed message once even if the failure is recorded twice", async () => {
      const a = await account(50_000);
      const m = message(a.id);
      await accept(a.id, [m]);
      await store.delivery.claimDue("o", Date.now(), 10, 60_000);
      const failed = { kind: "failed" as const, owner: "o", message: m, statusCode: Status.NO_ROUTE, dlrCode: Dlr.NONE, refund: true, error: "x" };
      await store.delivery.record([failed], Date.now());
      await store.delivery.record([failed], Date.now());
      assert.equal((await store.accounts.get(a.id))!.balanceMicros, 50_000);
      assert.equal((await store.messages.get(a.id, m.uuid))!.statusCode, Status.NO_ROUTE);
    });

    // Calls made in the same tick share one group commit: these exercise the set-based batch.
    const submitted = (m: Message, smscIds: string[], connectorId = "c") =>
      store.delivery.record([{ kind: "submitted", message: m, connectorId, smscIds, at: Date.now() }], Date.now());
    const receipt = (smscId: string, state: "DELIVRD" | "UNDELIV", connectorId = "c") =>
      store.delivery.applyReceipts([{ connectorId, smscId, state }], Date.now());
    const hooked = async (balanceMicros = 1_000_000_000) => {
      const a = await account(balanceMicros);
      await store.webhooks.add(a.id, "http://127.0.0.1:9/hook", Date.now());
      return a;
    };
    const claimed = async (a: { id: number }, messages: Message[]) => {
      await accept(a.id, messages);
      const claims = await store.delivery.claimDue("batch", Date.now(), 100_000, 60_000);
      return claims.filter((c) => c.message.accountId === a.id);
    };
    /** The dlr codes of a message's sms.delivery events, ascending (events of the same instant have no order). */
    const dlrEvents = async (uuid: string) => {
      const items = await store.webhooks.claimDue(Date.now() + 1000, 100_000, 60_000);
      events.push(...items);
      return events
        .filter((i) => (i.data as { id: string }).id === uuid)
        .map((i) => (i.data as { dlr_code: number }).dlr_code)
        .sort((x, y) => x - y);
    };
    const events: Awaited<ReturnType<Store["webhooks"]["claimDue"]>> = [];
    const id = () => randomUUID().slice(0, 12);

    it("applies a receipt batched with the submit it follows, whichever arrived first", async () => {
      const a = await hooked();
      const [m1, m2] = [message(a.id), message(a.id)];
      await claimed(a, [m1!, m2!]);
      const [s1, s2] = [id(), id()];
      await Promise.all([submitted(m1!, [s1]), receipt(s1, "DELIVRD"), receipt(s2, "UNDELIV"), submitted(m2!, [s2])]);
      assert.equal((await store.messages.get(a.id, m1!.uuid))!.dlrCode, Dlr.DELIVERED);
      assert.equal((await store.messages.get(a.id, m2!.uuid))!.dlrCode, Dlr.REJECTED);
      assert.deepEqual(await dlrEvents(m1!.uuid), [Dlr.DELIVERED, Dlr.EN_ROUTE]);
      assert.deepEqual(await dlrEvents(m2!.uuid), [Dlr.EN_ROUTE, Dlr.REJECTED]);
      // Nothing was left waiting: a later submit reusing the ids finds no early receipt.
      const m3 = message(a.id);
      await claimed(a, [m3]);
      await submitted(m3, [s1, s2]);
      assert.equal((await store.messages.get(a.id, m3.uuid))!.dlrCode, Dlr.EN_ROUTE);
    });

    it("aggregates several parts' receipts of one message within one batch", async () => {
      const a = await hooked();
      const two = message(a.id, { partsCount: 2 });
      const three = message(a.id, { partsCount: 3 });
      await claimed(a, [two, three]);
      const p = [id(), id(), id(), id(), id()];
      await Promise.all([submitted(two, [p[0]!, p[1]!]), submitted(three, [p[2]!, p[3]!, p[4]!])]);
      await Promise.all([
        receipt(p[0]!, "DELIVRD"),
        receipt(p[1]!, "DELIVRD"),
        store.delivery.applyReceipts(
          [
            { connectorId: "c", smscId: p[2]!, state: "DELIVRD" },
            { connectorId: "c", smscId: p[3]!, state: "DELIVRD" },
          ],
          Date.now(),
        ),
      ]);
      assert.equal((await store.messages.get(a.id, two.uuid))!.dlrCode, Dlr.DELIVERED);
      assert.equal((await store.messages.get(a.id, three.uuid))!.dlrCode, Dlr.EN_ROUTE);
      assert.deepEqual(await dlrEvents(two.uuid), [Dlr.DELIVERED, Dlr.EN_ROUTE]);
      // The stored states of the first two parts count with the third's receipt of a later batch.
      await receipt(p[4]!, "DELIVRD");
      assert.equal((await store.messages.get(a.id, three.uuid))!.dlrCode, Dlr.DELIVERED);
      assert.deepEqual(await dlrEvents(three.uuid), [Dlr.DELIVERED, Dlr.EN_ROUTE]);
    });

    it("keeps early receipts of several parts until the submit, then applies them all", async () => {
      const a = await hooked();
      const m = message(a.id, { partsCount: 2 });
      await claimed(a, [m]);
      const [x, y] = [id(), id()];
      await Promise.all([receipt(x, "DELIVRD"), receipt(y, "DELIVRD")]);
      assert.equal((await store.messages.get(a.id, m.uuid))!.dlrCode, Dlr.NONE);
      await submitted(m, [x, y]);
      assert.equal((await store.messages.get(a.id, m.uuid))!.dlrCode, Dlr.DELIVERED);
      assert.deepEqual(await dlrEvents(m.uuid), [Dlr.DELIVERED, Dlr.EN_ROUTE]);
    });

    it("applies duplicate and late receipts in one batch without reopening a final message", async () => {
      const a = await hooked();
      const m = message(a.id, { isTextDeleted: true });
      await claimed(a, [m]);
      const s1 = id();
      await submitted(m, [s1]);
      assert.equal((await store.messages.get(a.id, m.uuid))!.text, "hello");
      await Promise.all([receipt(s1, "DELIVRD"), receipt(s1, "DELIVRD"), receipt(s1, "UNDELIV")]);
      const got = (await store.messages.get(a.id, m.uuid))!;
      assert.equal(got.dlrCode, Dlr.DELIVERED);
      assert.equal(got.text, null, "an is_text_deleted message loses its text once final");
      assert.deepEqual(await dlrEvents(m.uuid), [Dlr.DELIVERED, Dlr.EN_ROUTE]);
    });

    it("records many mixed outcomes in one batch: refunds once, counts retry attempts", async () => {
      const a = await hooked(1_000_000_000);
      const ms = Array.from({ length: 600 }, () => message(a.id, { priority: Priority.BULK }));
      await claimed(a, ms);
      const balance = (await store.accounts.get(a.id))!.balanceMicros;
      const sent = ms.slice(0, 300);
      const failed = ms.slice(300, 450);
      const retried = ms.slice(450);
      const fail = (m: Message) => ({ kind: "failed" as const, owner: "batch", message: m, statusCode: Status.NO_ROUTE, dlrCode: Dlr.NONE, refund: true, error: "x" });
      await Promise.all([
        store.delivery.record(sent.map((m) => ({ kind: "submitted", message: m, connectorId: "c", smscIds: [`many-${m.uuid}`], at: Date.now() })), Date.now()),
        store.delivery.record(failed.map(fail), Date.now()),
        store.delivery.record([fail(failed[0]!), fail(failed[1]!)], Date.now()), // recorded twice: refunded once
        store.delivery.record(
          retried.map((m, i) => ({ kind: "retry", owner: "batch", message: m, dueAt: Date.now() - 1, error: "busy", countAttempt: i % 2 === 0 })),
          Date.now(),
        ),
        store.delivery.applyReceipts(sent.map((m) => ({ connectorId: "c", smscId: `many-${m.uuid}`, state: "DELIVRD" })), Date.now()),
      ]);
      assert.equal((await store.accounts.get(a.id))!.balanceMicros, balance + 150 * 50_000);
      for (const m of sent) assert.equal((await store.messages.get(a.id, m.uuid))!.dlrCode, Dlr.DELIVERED);
      for (const m of failed) assert.equal((await store.messages.get(a.id, m.uuid))!.statusCode, Status.NO_ROUTE);
      const again = (await store.delivery.claimDue("again", Date.now(), 100_000, 60_000)).filter((c) => c.message.accountId === a.id);
      assert.deepEqual(new Set(again.map((c) => c.message.uuid)), new Set(retried.map((m) => m.uuid)));
      const attempts = new Map(again.map((c) => [c.message.uuid, c.attempts]));
      for (const [i, m] of retried.entries()) assert.equal(attempts.get(m.uuid), i % 2 === 0 ? 1 : 0);
      assert.deepEqual(await dlrEvents(failed[0]!.uuid), [Dlr.NONE]);
    });

    /** A bulk message claimed by "stalled" with a lease that lapses at once, then taken over by "taker". */
    const takenOver = async (a: { id: number }) => {
      const m = message(a.id, { priority: Priority.BULK });
      await accept(a.id, [m]);
      const mine = (c: { message: Message }) => c.message.uuid === m.uuid;
      assert.ok((await store.delivery.claimDue("stalled", Date.now(), 100_000, 1)).some(mine));
      await new Promise((r) => setTimeout(r, 5));
      assert.ok((await store.delivery.claimDue("taker", Date.now(), 100_000, 60_000)).some(mine), "the lapsed claim is taken over");
      return { m, mine };
    };

    it("leaves a retry of a claim that lapsed and was taken over to its new holder", async () => {
      const a = await hooked();
      const { m, mine } = await takenOver(a);
      await store.delivery.record(
        [{ kind: "retry", owner: "stalled", message: m, dueAt: Date.now() - 1, error: "late", countAttempt: true }],
        Date.now(),
      );
      const third = await store.delivery.claimDue("third", Date.now(), 100_000, 60_000);
      assert.ok(!third.some(mine), "the stalled dispatcher's retry must not release the new holder's lease");
      await store.delivery.record(
        [{ kind: "retry", owner: "taker", message: m, dueAt: Date.now() - 1, error: "busy", countAttempt: true }],
        Date.now(),
      );
      const again = (await store.delivery.claimDue("again", Date.now(), 100_000, 60_000)).find(mine);
      assert.equal(again?.attempts, 1, "the holder's own retry counts once");
    });

    // The dispatcher that stalled past its lease reports a failure after another one took the message over
    // and submitted it: the SMS went out, so the customer must not get the money back for it.
    it("leaves a failure of a claim that lapsed and was taken over to its new holder: no refund, no event", async () => {
      const a = await hooked(1_000_000);
      const { m, mine } = await takenOver(a);
      const balance = (await store.accounts.get(a.id))!.balanceMicros;
      const failure = { kind: "failed" as const, statusCode: Status.NO_ROUTE, dlrCode: Dlr.NONE, refund: true, error: "late" };
      await store.delivery.record([{ ...failure, owner: "stalled", message: m }], Date.now());
      let got = (await store.messages.get(a.id, m.uuid))!;
      assert.deepEqual([got.statusCode, got.dlrCode], [Status.NEW, Dlr.NONE], "the stalled dispatcher's failure changes nothing");
      assert.equal((await store.accounts.get(a.id))!.balanceMicros, balance, "and refunds nothing");
      assert.deepEqual(await dlrEvents(m.uuid), []);
      const third = await store.delivery.claimDue("third", Date.now(), 100_000, 60_000);
      assert.ok(!third.some(mine), "the new holder keeps its lease");

      // The new holder's submit is the message's first: its receipt decides the message.
      const s = id();
      await submitted(m, [s]);
      await receipt(s, "DELIVRD");
      got = (await store.messages.get(a.id, m.uuid))!;
      assert.deepEqual([got.statusCode, got.dlrCode], [Status.TRANSMITTED, Dlr.DELIVERED]);
      assert.equal((await store.accounts.get(a.id))!.balanceMicros, balance);
      assert.deepEqual(await dlrEvents(m.uuid), [Dlr.DELIVERED, Dlr.EN_ROUTE]);
    });

    // The stalled dispatcher's submit went out all the same: it is recorded, and it takes the queue row from
    // the new holder, whose outcome can then neither release the message to a third claim nor refund it.
    it("records a submit of a claim that lapsed and was taken over, and ends the new holder's claim", async () => {
      const a = await hooked(1_000_000);
      const { m, mine } = await takenOver(a);
      const balance = (await store.accounts.get(a.id))!.balanceMicros;
      await submitted(m, [id()]);
      await store.delivery.record(
        [{ kind: "retry", owner: "taker", message: m, dueAt: Date.now() - 1, error: "busy", countAttempt: true }],
        Date.now(),
      );
      assert.ok(!(await store.delivery.claimDue("third", Date.now() + 120_000, 100_000, 60_000)).some(mine), "not sent a third time");
      await store.delivery.record(
        [{ kind: "failed", owner: "taker", message: m, statusCode: Status.NO_ROUTE, dlrCode: Dlr.NONE, refund: true, error: "x" }],
        Date.now(),
      );
      const got = (await store.messages.get(a.id, m.uuid))!;
      assert.deepEqual([got.statusCode, got.dlrCode], [Status.TRANSMITTED, Dlr.EN_ROUTE]);
      assert.equal((await store.accounts.get(a.id))!.balanceMicros, balance);
      assert.deepEqual(await dlrEvents(m.uuid), [Dlr.EN_ROUTE]);
    });

    it("queues one message's events in the order they happened, even when a receipt's clock ran behind", async () => {
      const a = await hooked();
      const m = message(a.id, { partsCount: 2 });
      await claimed(a, [m]);
      const t = Date.now();
      // Part 1 was rejected (its receipt timed at t) before part 2's submit_sm_resp, recorded at t + 3; one
      // writer batch applies the submit first, then the receipt.
      await Promise.all([
        store.delivery.applyReceipts([{ connectorId: "c", smscId: `order-${m.uuid}`, state: "REJECTD" }], t),
        store.delivery.record([{ kind: "submitted", message: m, connectorId: "c", smscIds: [`order-${m.uuid}`, id()], at: t + 3 }], t + 3),
      ]);
      const due = await store.webhooks.claimDue(t + 1000, 100_000, 60_000);
      events.push(...due);
      const mine = due.filter((i) => (i.data as { id: string }).id === m.uuid).map((i) => (i.data as { dlr_code: number }).dlr_code);
      assert.deepEqual(mine, [Dlr.EN_ROUTE, Dlr.REJECTED]);
    });

    it("expires submitted messages left without a final receipt", async () => {
      const a = await hooked();
      const m = message(a.id, { isTextDeleted: true });
      await claimed(a, [m]);
      await store.delivery.record([{ kind: "submitted", message: m, connectorId: "c", smscIds: [id()], at: Date.now() - 3_600_000 }], Date.now());
      assert.ok((await store.delivery.expireStale(Date.now() - 60_000, Date.now())) >= 1);
      const got = (await store.messages.get(a.id, m.uuid))!;
      assert.equal(got.dlrCode, Dlr.EXPIRED);
      assert.equal(got.text, null);
      assert.deepEqual(await dlrEvents(m.uuid), [Dlr.EN_ROUTE, Dlr.EXPIRED]);
    });

    // A dispatcher that stalls past its lease (or a process that crashes) lets another one claim and submit
    // the same message again: delivery is at least once, and both dispatchers record what they did.
    it("leaves a final or cancelled message alone when a second submit or failure of it is recorded", async () => {
      const a = await hooked(1_000_000);
      const delivered = message(a.id);
      const cancelled = message(a.id);
      await claimed(a, [delivered, cancelled]);
      const [s1, s2, s3] = [id(), id(), id()];
      await submitted(delivered, [s1]);
      await receipt(s1, "DELIVRD");
      // The other message's lease has lapsed, and the customer cancels it meanwhile (and is refunded).
      assert.equal(await store.messages.cancel(a.id, cancelled.uuid, Date.now() + 61_000), "cancelled");
      const balance = (await store.accounts.get(a.id))!.balanceMicros;

      await submitted(delivered, [s2]);
      await submitted(cancelled, [s3]);
      const failure = { kind: "failed" as const, owner: "batch", statusCode: Status.NO_ROUTE, dlrCode: Dlr.NONE, refund: true, error: "x" };
      await store.delivery.record([{ ...failure, message: delivered }, { ...failure, message: cancelled }], Date.now());

      const check = async () => {
        const d = (await store.messages.get(a.id, delivered.uuid))!;
        assert.deepEqual([d.statusCode, d.dlrCode], [Status.TRANSMITTED, Dlr.DELIVERED]);
        const c = (await store.messages.get(a.id, cancelled.uuid))!;
        assert.deepEqual([c.statusCode, c.dlrCode], [Status.CANCELLED, Dlr.NONE]);
        assert.equal((await store.accounts.get(a.id))!.balanceMicros, balance, "refunded once, by the cancel");
        assert.deepEqual(await dlrEvents(delivered.uuid), [Dlr.DELIVERED, Dlr.EN_ROUTE]);
        assert.deepEqual(await dlrEvents(cancelled.uuid), []);
      };
      await check();
      // The second submissions' receipts find their message and change nothing.
      await Promise.all([receipt(s2, "UNDELIV"), receipt(s3, "DELIVRD")]);
      await check();
      // Nor do they wait for a submit: messages later sent with the same ids stay en route.
      const [m2, m3] = [message(a.id), message(a.id)];
      await claimed(a, [m2, m3]);
      await Promise.all([submitted(m2, [s2]), submitted(m3, [s3])]);
      assert.equal((await store.messages.get(a.id, m2.uuid))!.dlrCode, Dlr.EN_ROUTE);
      assert.equal((await store.messages.get(a.id, m3.uuid))!.dlrCode, Dlr.EN_ROUTE);
    });

    it("records a message submitted twice in one batch once: it follows the submit recorded first", async () => {
      const a = await hooked();
      const m = message(a.id);
      await claimed(a, [m]);
      const [s1, s2] = [id(), id()];
      await Promise.all([submitted(m, [s1]), submitted(m, [s2])]);
      assert.deepEqual(await dlrEvents(m.uuid), [Dlr.EN_ROUTE], "one en route event");
      // A receipt of the second submission does not decide the message (nor does it wait).
      await receipt(s2, "UNDELIV");
      assert.equal((await store.messages.get(a.id, m.uuid))!.dlrCode, Dlr.EN_ROUTE);
      await receipt(s1, "DELIVRD");
      assert.equal((await store.messages.get(a.id, m.uuid))!.dlrCode, Dlr.DELIVERED);
      assert.deepEqual(await dlrEvents(m.uuid), [Dlr.DELIVERED, Dlr.EN_ROUTE]);
      const m2 = message(a.id);
      await claimed(a, [m2]);
      await submitted(m2, [s2]);
      assert.equal((await store.messages.get(a.id, m2.uuid))!.dlrCode, Dlr.EN_ROUTE);
    });

    it("drops a receipt that waited longer than the validity period for its submit", async () => {
      const a = await hooked();
      const m = message(a.id);
      await claimed(a, [m]);
      const z = id();
      // Received an hour ago, for a submit never recorded (its dispatcher crashed, say).
      await store.delivery.applyReceipts([{ connectorId: "c", smscId: z, state: "DELIVRD" }], Date.now() - 3_600_000);
      await store.delivery.expireStale(Date.now() - 60_000, Date.now());
      await submitted(m, [z]);
      assert.equal((await store.messages.get(a.id, m.uuid))!.dlrCode, Dlr.EN_ROUTE);
    });

    // A backlog larger than one batch (a connector whose receipts never match) still goes in one run: the
    // first batch in the delivery writer's transaction, the rest one short statement at a time outside it.
    it("drops every receipt that waited too long in one maintenance run, a batch at a time", async () => {
      const a = await hooked();
      const [m1, m2] = [message(a.id), message(a.id)];
      await claimed(a, [m1, m2]);
      const [x, y] = [id(), id()];
      const old = Array.from({ length: 1000 }, () => ({ connectorId: "c", smscId: id(), state: "DELIVRD" as const }));
      await store.delivery.applyReceipts(old, Date.now() - 3 * 3_600_000);
      await store.delivery.applyReceipts(
        [
          { connectorId: "c", smscId: x, state: "DELIVRD" },
          { connectorId: "c", smscId: y, state: "DELIVRD" },
        ],
        Date.now() - 2 * 3_600_000,
      );
      await store.delivery.expireStale(Date.now() - 60_000, Date.now());
      await submitted(m1, [x]);
      await submitted(m2, [y]);
      assert.equal((await store.messages.get(a.id, m1.uuid))!.dlrCode, Dlr.EN_ROUTE, "beyond the first batch, dropped too");
      assert.equal((await store.messages.get(a.id, m2.uuid))!.dlrCode, Dlr.EN_ROUTE);
    });

    it("indexes waiting receipts by their arrival, which maintenance looks them up by", async () => {
      let definitions: string[];
      if (target.name === "sqlite") {
        const db = new Database(url.replace(/^sqlite:(\/\/)?/, ""), { readonly: true });
        try {
          definitions = db
            .prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'pending_receipts' AND sql IS NOT NULL")
            .all()
            .map((r) => (r as { sql: string }).sql);
        } finally {
          db.close();
        }
      } else {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          definitions = (await client.query("SELECT indexdef FROM pg_indexes WHERE tablename = 'pending_receipts'")).rows.map(
            (r) => r.indexdef as string,
          );
        } finally {
          await client.end();
        }
      }
      assert.ok(
        definitions.some((d) => /\(\s*"?received_at"?\s*\)/.test(d)),
        `an index on pending_receipts (received_at), saw: ${definitions.join("; ")}`,
      );
    });

    it("records webhook attempts in one call: delivered, retried later, given up", async () => {
      const a = await account(1_000_000);
      for (const path of ["ok", "retry", "dead"]) await store.webhooks.add(a.id, `http://127.0.0.1:9/${path}`, Date.now());
      await store.webhooks.enqueue(a.id, "test.event", { n: 1 }, Date.now());
      const items = (await store.webhooks.claimDue(Date.now() + 1000, 100_000, 60_000)).filter((i) => i.accountId === a.id);
      assert.equal(items.length, 3);
      const byPath = (p: string) => items.find((i) => i.url.endsWith(p))!;
      const later = Date.now() + 60_000;
      await store.webhooks.recordAttempts([
        { id: byPath("ok").id, delivered: true },
        { id: byPath("retry").id, delivered: false, attempts: 1, nextAttemptAt: later, error: "HTTP 500" },
        { id: byPath("dead").id, delivered: false, attempts: 4, nextAttemptAt: null, error: "HTTP 404" },
      ]);
      const due = (await store.webhooks.claimDue(later, 100_000, 60_000)).filter((i) => i.accountId === a.id);
      assert.deepEqual(
        due.map((i) => [i.url, i.attempts]),
        [["http://127.0.0.1:9/retry", 1]],
      );
      const counts = await store.webhooks.counts();
      assert.ok((counts.delivered ?? 0) >= 1 && (counts.dead ?? 0) >= 1);
    });

    it("takes back claimed webhook events unsent, claimable again at once, attempts unchanged", async () => {
      const a = await account(1_000_000);
      await store.webhooks.add(a.id, "http://127.0.0.1:9/back", Date.now());
      await store.webhooks.enqueue(a.id, "test.event", { n: 2 }, Date.now());
      const mine = async () => (await store.webhooks.claimDue(Date.now() + 1000, 100_000, 60_000)).filter((i) => i.accountId === a.id);
      const [first] = await mine();
      assert.ok(first);
      assert.deepEqual(await mine(), [], "leased: not claimable");
      await store.webhooks.release([first.id]);
      const again = await mine();
      assert.deepEqual(
        again.map((i) => [i.id, i.attempts]),
        [[first.id, 0]],
      );
      await store.webhooks.recordAttempts([{ id: first.id, delivered: true }]);
      await store.webhooks.release([first.id]);
      assert.deepEqual(await mine(), [], "a delivered event is not given back");
    });

    it("writes webhook events with the status change and hands each to one claimer", async () => {
      const a = await account(1_000_000);
      await store.webhooks.add(a.id, "http://127.0.0.1:9/hook", Date.now());
      const m = message(a.id, { callbackData: "cb" });
      await accept(a.id, [m]);
      await store.delivery.claimDue("o", Date.now(), 10, 60_000);
      await store.delivery.record([{ kind: "submitted", message: m, connectorId: "c", smscIds: ["Z"], at: Date.now() }], Date.now());
      const [x, y] = await Promise.all([store.webhooks.claimDue(Date.now(), 10, 10_000), store.webhooks.claimDue(Date.now(), 10, 10_000)]);
      const items = [...x!, ...y!].filter((i) => (i.data as { id: string }).id === m.uuid);
      assert.equal(items.length, 1);
      assert.deepEqual(items[0]!.data, { id: m.uuid, key_id: null, dlr_code: Dlr.EN_ROUTE, status_code: 100, callback_data: "cb" });
    });

    it("keeps every submit attempt and webhook POST of a message, purging them after the validity period", async () => {
      const a = await hooked();
      const m = message(a.id);
      const [claim] = await claimed(a, [m]);
      assert.ok(claim);
      const t = Date.now();
      const retry = { kind: "retry" as const, owner: "batch", message: m, dueAt: t, countAttempt: true };
      await store.delivery.record([{ ...retry, error: "throttled: ESME_RTHROTTLED", connectorId: "smsc-b" }], t);
      await store.delivery.claimDue("batch", t + 1, 100_000, 60_000);
      await store.delivery.record([{ kind: "submitted", message: m, connectorId: "smsc-a", smscIds: ["p1", "p2"], at: t + 2 }], t + 2);
      const [event] = (await store.webhooks.claimDue(t + 1000, 100_000, 60_000)).filter((i) => (i.data as { id: string }).id === m.uuid);
      assert.ok(event);
      const post = { url: "http://127.0.0.1:9/hook", messageUuid: m.uuid };
      // Two results in one call share one group commit; a deferral (no post) is no attempt.
      await store.webhooks.recordAttempts([
        { id: event.id, delivered: false, attempts: 1, nextAttemptAt: t + 5, error: "HTTP 503", post: { ...post, at: t + 3, httpStatus: 503 } },
        { id: event.id, delivered: false, attempts: 1, nextAttemptAt: t + 6, error: "not sent: receiver paused" },
      ]);
      await store.webhooks.recordAttempts([{ id: event.id, delivered: true, post: { ...post, at: t + 4, httpStatus: 204 } }]);

      const attempts = await store.operator.attempts(m.uuid);
      assert.deepEqual(
        attempts.map((x) => [x.at - t, x.kind, x.outcome, x.connectorId, x.smscIds, x.url, x.httpStatus, x.error]),
        [
          [0, "submit", "retry", "smsc-b", [], null, null, "throttled: ESME_RTHROTTLED"],
          [2, "submit", "submitted", "smsc-a", ["p1", "p2"], null, null, null],
          [3, "webhook", "failed", null, [], post.url, 503, "HTTP 503"],
          [4, "webhook", "delivered", null, [], post.url, 204, null],
        ],
      );
      assert.equal(attempts[2]!.outboxId, event.id);
      assert.deepEqual(await store.operator.attempts(randomUUID()), []);

      await store.delivery.expireStale(t + 3, t + 10);
      assert.deepEqual(
        (await store.operator.attempts(m.uuid)).map((x) => x.at - t),
        [3, 4],
        "attempts older than the validity period are purged",
      );
    });
  });
}
