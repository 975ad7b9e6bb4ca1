/**
 * The store's side of resuming a long message: the parts accepted before a temporary refusal are recorded
 * with the retry, handed to the next claim, matched by their receipts, and kept when the rest is submitted.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { Dlr, Status } from "../../src/core/message.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/ports/index.js";
import { storedMessage } from "../helpers/messages.js";
import { storeTargets } from "../helpers/stores.js";

for (const target of storeTargets) {
  describe(`resuming long messages (${target.name})`, { skip: target.skip }, () => {
    let store: Store;
    before(async () => {
      store = await openStore(await target.url());
    });
    after(() => store.close());

    it("hands the accepted parts to the next claim and keeps them when the rest is submitted", async () => {
      const a = await store.accounts.create(
        { name: "c", country: "DE", currency: "EUR", balanceMicros: 1_000_000, webhookSecret: "s" },
        Date.now(),
      );
      const m = storedMessage(a.id, { partsCount: 3 });
      await store.messages.accept({
        accountId: a.id,
        messages: [m],
        totalMicros: m.priceMicros,
        dueAt: [Date.now()],
        now: Date.now(),
      });
      const [first] = await store.delivery.claimDue("o", Date.now(), 10, 60_000);
      assert.equal(first!.accepted, undefined);
      const [p1, p2, p3] = [randomUUID(), randomUUID(), randomUUID()];

      // Part 1's receipt overtakes the retry that records it.
      await store.delivery.applyReceipts([{ connectorId: "c", smscId: p1, state: "DELIVRD" }], Date.now());
      await store.delivery.record(
        [
          {
            kind: "retry",
            owner: "o",
            message: m,
            dueAt: Date.now() - 1,
            error: "throttled",
            countAttempt: true,
            accepted: { connectorId: "c", smscIds: [p1] },
          },
        ],
        Date.now(),
      );
      let got = (await store.messages.get(a.id, m.uuid))!;
      assert.deepEqual(
        [got.statusCode, got.dlrCode],
        [Status.NEW, Dlr.NONE],
        "a message still being sent has no dlr yet",
      );

      const [again] = await store.delivery.claimDue("o2", Date.now(), 10, 60_000);
      assert.equal(again!.message.uuid, m.uuid);
      assert.deepEqual(again!.accepted, { connectorId: "c", smscIds: [p1] });

      await store.delivery.record(
        [{ kind: "submitted", message: m, connectorId: "c", smscIds: [p1, p2, p3], at: Date.now() }],
        Date.now(),
      );
      got = (await store.messages.get(a.id, m.uuid))!;
      assert.deepEqual([got.statusCode, got.dlrCode], [Status.TRANSMITTED, Dlr.EN_ROUTE]);
      await store.delivery.applyReceipts(
        [
          { connectorId: "c", smscId: p2, state: "DELIVRD" },
          { connectorId: "c", smscId: p3, state: "DELIVRD" },
        ],
        Date.now(),
      );
      // Part 1's state, stored before the rest was sent, counts.
      assert.equal((await store.messages.get(a.id, m.uuid))!.dlrCode, Dlr.DELIVERED);
    });
  });
}
