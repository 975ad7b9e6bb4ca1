/**
 * A message whose outcome is unknown is remembered by the queue, on every store: a retry after an unanswered
 * submit counts it, and so does a lease that lapsed in its holder's hands (a crashed or stalled dispatcher may
 * have sent the message before it could record anything). The dispatcher then never refunds the message.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Message } from "../../src/core/message.js";
import { type DeliveryPorts, openMemoryStore } from "../../src/store/memory/index.js";
import { openStore } from "../../src/store/open.js";
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

for (const target of targets) {
  describe(`unknown outcomes in the queue (${target.name})`, { skip: target.skip }, () => {
    let store: DeliveryPorts;
    before(async () => {
      store = await target.open();
    });
    after(() => store.close());

    const accepted = async (): Promise<Message> => {
      const a = await store.accounts.create(
        { name: "u", country: "DE", currency: "EUR", balanceMicros: 1_000_000, webhookSecret: "s" },
        Date.now(),
      );
      const m = storedMessage(a.id);
      const outcome = await store.messages.accept({
        accountId: a.id,
        messages: [m],
        totalMicros: m.priceMicros,
        dueAt: [Date.now()],
        now: Date.now(),
      });
      assert.equal(outcome, "accepted");
      return m;
    };
    const claimOne = async (owner: string, now: number, uuid: string) => {
      const claims = await store.delivery.claimDue(owner, now, 100_000, 60_000);
      return claims.find((c) => c.message.uuid === uuid);
    };

    it("a retry after an unanswered submit is counted", async () => {
      const m = await accepted();
      const first = await claimOne("a", Date.now(), m.uuid);
      assert.ok(first);
      assert.equal(first.unknownOutcomes ?? 0, 0);
      const dueAt = Date.now();
      await store.delivery.record(
        [
          {
            kind: "retry",
            owner: "a",
            message: m,
            dueAt,
            error: "no answer",
            countAttempt: true,
            unknownOutcome: true,
          },
        ],
        Date.now(),
      );
      const second = await claimOne("b", dueAt + 1, m.uuid);
      assert.equal(second?.unknownOutcomes, 1);
    });

    it("a lease that lapsed in its holder's hands is counted; a clean release is not", async () => {
      const m = await accepted();
      const now = Date.now();
      assert.ok(await claimOne("crashed", now, m.uuid));
      // the holder never records anything; its lease lapses and another dispatcher takes the row over
      const takenOver = await claimOne("survivor", now + 61_000, m.uuid);
      assert.equal(takenOver?.unknownOutcomes, 1);
      await store.delivery.record(
        [
          {
            kind: "retry",
            owner: "survivor",
            message: m,
            dueAt: now + 61_000,
            error: "throttled",
            countAttempt: true,
          },
        ],
        now + 61_000,
      );
      const next = await claimOne("next", now + 62_000, m.uuid);
      assert.equal(next?.unknownOutcomes, 1, "a retry recorded by its holder adds nothing");
    });
  });
}
