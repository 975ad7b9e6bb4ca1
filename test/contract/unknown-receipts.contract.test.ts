/**
 * A copy whose submit_sm_resp was lost is found by its receipt, on every store: the receipt's id matches no
 * part, but its addresses, text and submit date fit an attempt whose outcome was unknown
 * (core/delivery/unknown-receipts.ts). The message then takes that receipt's outcome, once, charged once.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Dlr, type Message, Status } from "../../src/core/message.js";
import { type DeliveryPorts, openMemoryStore } from "../../src/store/memory/index.js";
import { openStore } from "../../src/store/open.js";
import type { ReceiptUpdate } from "../../src/store/ports/index.js";
import { storedMessage } from "../helpers/messages.js";
import { GATEWAY_STORE_OPTIONS, storeTargets } from "../helpers/stores.js";

const targets: { name: string; skip: string | false; open: () => Promise<DeliveryPorts> }[] = [
  { name: "memory", skip: false, open: async () => openMemoryStore() },
  ...storeTargets.map((t) => ({
    name: t.name,
    skip: t.skip,
    open: async () => openStore(await t.url(), GATEWAY_STORE_OPTIONS),
  })),
];

const BALANCE = 1_000_000;

for (const target of targets) {
  describe(`receipts of copies whose submit outcome was unknown (${target.name})`, {
    skip: target.skip,
  }, () => {
    let store: DeliveryPorts;
    let n = 0;
    before(async () => {
      store = await target.open();
    });
    after(() => store.close());

    /** A fresh account (own balance) with one accepted message to a number of its own. */
    const accepted = async (overrides: Partial<Message> = {}, accountId?: number): Promise<Message> => {
      const id =
        accountId ??
        (
          await store.accounts.create(
            { name: "u", country: "DE", currency: "EUR", balanceMicros: BALANCE, webhookSecret: "s" },
            Date.now(),
          )
        ).id;
      const m = storedMessage(id, {
        phone: `+4917${String(1_000_000 + n++)}`,
        text: "Your code is 123456",
        ...overrides,
      });
      const now = Date.now();
      const outcome = await store.messages.accept({
        accountId: id,
        messages: [m],
        totalMicros: m.priceMicros,
        dueAt: [now],
        now,
      });
      assert.equal(outcome, "accepted");
      return m;
    };
    const claim = async (owner: string, now: number, uuid: string) =>
      (await store.delivery.claimDue(owner, now, 100_000, 60_000)).find((c) => c.message.uuid === uuid);
    /** Claims `m` and records an attempt sent at `sentAt` that was never answered. */
    const unknownAttempt = async (m: Message, sentAt: number, owner = `o${n++}`, claimed = false) => {
      if (!claimed) assert.ok(await claim(owner, sentAt, m.uuid), "claimable");
      await store.delivery.record(
        [
          {
            kind: "retry",
            owner,
            message: m,
            dueAt: sentAt + 30_000,
            error: "no answer",
            countAttempt: true,
            unknownOutcome: true,
            connectorId: "smsc",
            sentAt,
          },
        ],
        sentAt + 5_000,
      );
    };
    /** The receipt a real SMSC sends for a copy of `m` it took at `at`. */
    const receiptOf = (
      m: Message,
      smscId: string,
      at: number,
      o: Partial<ReceiptUpdate> = {},
    ): ReceiptUpdate => ({
      connectorId: "smsc",
      smscId,
      state: "DELIVRD",
      source: m.phone.slice(1),
      destination: m.senderId,
      submittedAt: at - (at % 60_000),
      text: (m.text ?? "").slice(0, 20),
      ...o,
    });
    const stored = async (m: Message) => (await store.messages.getById(m.uuid))!;
    const balance = async (m: Message) => (await store.accounts.get(m.accountId))!.balanceMicros;

    it("a receipt after the unknown attempt delivers the message, charged once, and no copy follows", async () => {
      const m = await accepted();
      const t = Date.now();
      await unknownAttempt(m, t);
      await store.delivery.applyReceipts([receiptOf(m, `lost-${m.uuid}`, t)], t + 6_000);
      const s = await stored(m);
      assert.equal(s.statusCode, Status.TRANSMITTED);
      assert.equal(s.dlrCode, Dlr.DELIVERED);
      assert.equal(s.isSent, true);
      assert.equal(await balance(m), BALANCE - m.priceMicros);
      assert.equal(await claim("later", t + 60_000, m.uuid), undefined, "its resubmission is cancelled");
    });

    it("a receipt that overtook the unknown outcome's record waits and is taken by it", async () => {
      const m = await accepted();
      const t = Date.now();
      await store.delivery.applyReceipts(
        [receiptOf(m, `early-${m.uuid}`, t, { state: "UNDELIV", errorCode: 1 })],
        t + 500,
      );
      assert.equal((await stored(m)).statusCode, Status.NEW);
      await unknownAttempt(m, t);
      const s = await stored(m);
      assert.deepEqual([s.statusCode, s.dlrCode], [Status.TRANSMITTED, Dlr.REJECTED]);
      assert.equal(await balance(m), BALANCE - m.priceMicros, "the network had it: not refunded");
    });

    it("a receipt of another text, number or time leaves the message to its resubmission", async () => {
      const m = await accepted();
      const t = Date.now();
      await unknownAttempt(m, t);
      await store.delivery.applyReceipts(
        [
          receiptOf(m, `x1-${m.uuid}`, t, { text: "Your code is 999999" }),
          receiptOf(m, `x2-${m.uuid}`, t, { source: "4917999999999" }),
          receiptOf(m, `x3-${m.uuid}`, t, { submittedAt: t - 3_600_000 }),
          receiptOf(m, `x4-${m.uuid}`, t, { connectorId: "other" }),
        ],
        t + 6_000,
      );
      assert.equal((await stored(m)).statusCode, Status.NEW);
      assert.ok(await claim("later", t + 60_000, m.uuid), "still queued for its resubmission");
    });

    it("two copies it cannot tell apart: the oldest unknown attempt takes the first receipt", async () => {
      const older = await accepted();
      const newer = await accepted({ phone: older.phone }, older.accountId);
      const t = Date.now();
      // one dispatcher claims both and sends both; neither submit is answered
      assert.ok(await claim("both", t, older.uuid));
      await unknownAttempt(newer, t + 1_000, "both", true);
      await unknownAttempt(older, t, "both", true);
      await store.delivery.applyReceipts([receiptOf(older, `amb-${older.uuid}`, t)], t + 7_000);
      assert.equal((await stored(older)).dlrCode, Dlr.DELIVERED);
      assert.equal((await stored(newer)).statusCode, Status.NEW);
    });

    it("a message given up unsubmitted after an unknown attempt is corrected by that copy's receipt", async () => {
      const m = await accepted();
      const t = Date.now();
      await unknownAttempt(m, t);
      // the resubmission is refused for good: the message ends rejected, not refunded (its outcome was unknown)
      assert.ok(await claim("b", t + 30_000, m.uuid));
      await store.delivery.record(
        [
          {
            kind: "failed",
            owner: "b",
            message: m,
            statusCode: Status.BLOCKED,
            dlrCode: Dlr.REJECTED,
            refund: false,
            error: "dup",
          },
        ],
        t + 30_100,
      );
      assert.equal((await stored(m)).dlrCode, Dlr.REJECTED);
      await store.delivery.applyReceipts([receiptOf(m, `late-${m.uuid}`, t)], t + 40_000);
      const s = await stored(m);
      assert.deepEqual([s.statusCode, s.dlrCode], [Status.TRANSMITTED, Dlr.DELIVERED]);
      assert.equal(await balance(m), BALANCE - m.priceMicros);
    });

    it("a resubmission accepted first: the earlier copy's delivered counts, its failure does not", async () => {
      const t = Date.now();
      const both: Message[] = [];
      for (let i = 0; i < 2; i++) {
        // one at a time: a claim takes every message due
        const m = await accepted();
        both.push(m);
        await unknownAttempt(m, Date.now());
        assert.ok(await claim(`re${n++}`, Date.now() + 30_000, m.uuid));
        const smscIds = [`re-${m.uuid}`];
        await store.delivery.record(
          [{ kind: "submitted", message: m, connectorId: "smsc", smscIds, at: t }],
          t,
        );
      }
      const [delivered, failed] = both as [Message, Message];
      await store.delivery.applyReceipts(
        [
          receiptOf(delivered, `old-${delivered.uuid}`, t),
          receiptOf(failed, `old-${failed.uuid}`, t, { state: "UNDELIV" }),
        ],
        t + 31_000,
      );
      const d = await stored(delivered);
      assert.deepEqual(
        [d.statusCode, d.dlrCode],
        [Status.TRANSMITTED, Dlr.DELIVERED],
        "the network delivered it",
      );
      const f = await stored(failed);
      assert.deepEqual(
        [f.statusCode, f.dlrCode],
        [Status.TRANSMITTED, Dlr.EN_ROUTE],
        "its resubmission decides",
      );
      // the resubmission's own refusal (a duplicate, say) does not reopen the delivered message
      await store.delivery.applyReceipts(
        both.map((m) => ({ connectorId: "smsc", smscId: `re-${m.uuid}`, state: "REJECTD" as const })),
        t + 32_000,
      );
      assert.equal((await stored(delivered)).dlrCode, Dlr.DELIVERED);
      assert.equal((await stored(failed)).dlrCode, Dlr.REJECTED);
      assert.equal(await balance(delivered), BALANCE - delivered.priceMicros);
    });

    it("a resubmission accepted first keeps the message; one accepted after the link changes nothing", async () => {
      const first = await accepted();
      const t = Date.now();
      await unknownAttempt(first, t);
      assert.ok(await claim("b", t + 30_000, first.uuid));
      await store.delivery.record(
        [
          {
            kind: "submitted",
            message: first,
            connectorId: "smsc",
            smscIds: [`re-${first.uuid}`],
            at: t + 30_000,
          },
        ],
        t + 30_000,
      );
      await store.delivery.applyReceipts(
        [receiptOf(first, `old-${first.uuid}`, t, { state: "UNDELIV" })],
        t + 31_000,
      );
      assert.deepEqual(
        [(await stored(first)).statusCode, (await stored(first)).dlrCode],
        [Status.TRANSMITTED, Dlr.EN_ROUTE],
      );

      const second = await accepted();
      const t2 = Date.now();
      await unknownAttempt(second, t2);
      assert.ok(await claim("c", t2 + 30_000, second.uuid), "a resubmission in flight");
      await store.delivery.applyReceipts([receiptOf(second, `found-${second.uuid}`, t2)], t2 + 31_000);
      await store.delivery.record(
        [
          {
            kind: "submitted",
            message: second,
            connectorId: "smsc",
            smscIds: [`re-${second.uuid}`],
            at: t2 + 32_000,
          },
        ],
        t2 + 32_000,
      );
      await store.delivery.applyReceipts(
        [{ connectorId: "smsc", smscId: `re-${second.uuid}`, state: "UNDELIV" }],
        t2 + 33_000,
      );
      const s = await stored(second);
      assert.deepEqual(
        [s.statusCode, s.dlrCode],
        [Status.TRANSMITTED, Dlr.DELIVERED],
        "final, never reopened",
      );
      assert.equal(await balance(second), BALANCE - second.priceMicros, "charged once");
    });

    it("a long message: the lost answer of its last part is found by that part's text", async () => {
      const text = `${"A".repeat(153)}Second part here, found by its own start`;
      const m = await accepted({ text, partsCount: 2, charsCount: text.length });
      const t = Date.now();
      const owner = `long${n++}`;
      assert.ok(await claim(owner, t, m.uuid));
      // part 1 accepted, part 2 sent and never answered
      await store.delivery.record(
        [
          {
            kind: "retry",
            owner,
            message: m,
            dueAt: t + 30_000,
            error: "no answer",
            countAttempt: true,
            unknownOutcome: true,
            connectorId: "smsc",
            sentAt: t,
            accepted: { connectorId: "smsc", smscIds: [`p1-${m.uuid}`] },
          },
        ],
        t + 5_000,
      );
      // the first part's text does not fit the second part
      await store.delivery.applyReceipts(
        [receiptOf(m, `p2x-${m.uuid}`, t, { text: "A".repeat(20) })],
        t + 6_000,
      );
      assert.equal((await stored(m)).statusCode, Status.NEW);
      await store.delivery.applyReceipts(
        [
          receiptOf(m, `p2-${m.uuid}`, t, { text: "Second part here, fo" }),
          { connectorId: "smsc", smscId: `p1-${m.uuid}`, state: "DELIVRD" },
        ],
        t + 7_000,
      );
      const s = await stored(m);
      assert.deepEqual([s.statusCode, s.dlrCode], [Status.TRANSMITTED, Dlr.DELIVERED]);
      assert.equal(await claim("later", t + 60_000, m.uuid), undefined, "no part is sent again");
    });

    it("a last attempt given up unanswered (validity ended) is found by its copy's receipt", async () => {
      const m = await accepted();
      const t = Date.now();
      const owner = `last${n++}`;
      assert.ok(await claim(owner, t, m.uuid));
      await store.delivery.record(
        [
          {
            kind: "failed",
            owner,
            message: m,
            statusCode: Status.NEW,
            dlrCode: Dlr.EXPIRED,
            refund: false,
            error: "validity period ended: no answer",
            connectorId: "smsc",
            unknownOutcome: true,
            sentAt: t,
          },
        ],
        t + 5_000,
      );
      assert.deepEqual([(await stored(m)).statusCode, (await stored(m)).dlrCode], [Status.NEW, Dlr.EXPIRED]);
      await store.delivery.applyReceipts([receiptOf(m, `last-${m.uuid}`, t)], t + 6_000);
      const s = await stored(m);
      assert.deepEqual([s.statusCode, s.dlrCode], [Status.TRANSMITTED, Dlr.DELIVERED]);
      assert.equal(await balance(m), BALANCE - m.priceMicros);
    });
  });
}
