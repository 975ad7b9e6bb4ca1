/**
 * One contract for every store adapter: what the app relies on, run against SQLite and PostgreSQL alike.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { Dlr, type Message, Priority, Status } from "../../src/core/message.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/ports/index.js";
import { storeTargets } from "../helpers/stores.js";

function message(accountId: number, overrides: Partial<Message> = {}): Message {
  return {
    uuid: randomUUID(), accountId, keyId: null, text: "hello", senderId: "S", phone: "+491701234567", iso2: "DE",
    deliveryAt: 0, statusCode: Status.NEW, dlrCode: Dlr.NONE, gatewaySentAt: 0, source: null, ip: null,
    createdAt: Date.now(), isUnicode: false, encoding: "gsm7", voiceLang: null, partsCount: 1, charsCount: 5,
    callbackData: null, bulkId: null, serviceCode: "direct", isTextDeleted: false, priceMicros: 50_000,
    isSent: false, attemptsCountMax: null, priority: Priority.TRANSACTIONAL, ...overrides,
  };
}

for (const target of storeTargets) {
  describe(`store contract (${target.name})`, { skip: target.skip }, () => {
    let store: Store;
    let url: string;
    before(async () => {
      url = await target.url();
      store = await openStore(url);
    });
    after(() => store.close());

    const account = (balanceMicros: number) =>
      store.accounts.create({ name: "c", country: "DE", currency: "EUR", balanceMicros, webhookSecret: "s" }, Date.now());
    const accept = (accountId: number, messages: Message[]) =>
      store.messages.accept({
        accountId, messages, totalMicros: messages.reduce((s, m) => s + m.priceMicros, 0),
        dueAt: messages.map(() => Date.now()), now: Date.now(),
      });

    it("runs migrations idempotently on reopen", async () => {
      const again = await openStore(url);
      assert.ok((await again.accounts.count()) >= 0);
      await again.close();
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
      const failed = { kind: "failed" as const, message: m, statusCode: Status.NO_ROUTE, dlrCode: Dlr.NONE, refund: true, error: "x" };
      await store.delivery.record([failed], Date.now());
      await store.delivery.record([failed], Date.now());
      assert.equal((await store.accounts.get(a.id))!.balanceMicros, 50_000);
      assert.equal((await store.messages.get(a.id, m.uuid))!.statusCode, Status.NO_ROUTE);
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
  });
}
