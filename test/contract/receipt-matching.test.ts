/**
 * SMSC message ids repeat (a counter that restarts with the SMSC). A receipt belongs to the message its id
 * was most recently given to on that connector and that still waits for a receipt: never to an older
 * message that happened to get the same id.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { Dlr, type Message } from "../../src/core/message.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/ports/index.js";
import { storedMessage } from "../helpers/messages.js";
import { storeTargets } from "../helpers/stores.js";

for (const target of storeTargets) {
  describe(`receipts with repeating SMSC ids (${target.name})`, { skip: target.skip }, () => {
    let store: Store;
    before(async () => {
      store = await openStore(await target.url());
    });
    after(() => store.close());

    const sendOne = async (overrides: Partial<Message> = {}) => {
      const a = await store.accounts.create(
        { name: "c", country: "DE", currency: "EUR", balanceMicros: 1_000_000, webhookSecret: "s" },
        Date.now(),
      );
      const m = storedMessage(a.id, overrides);
      await store.messages.accept({
        accountId: a.id,
        messages: [m],
        totalMicros: m.priceMicros,
        dueAt: [Date.now()],
        now: Date.now(),
      });
      await store.delivery.claimDue("o", Date.now(), 100, 60_000);
      return m;
    };
    const submitted = (m: Message, smscIds: string[], at: number, connectorId = "c") =>
      store.delivery.record([{ kind: "submitted", message: m, connectorId, smscIds, at }], at);
    const receipt = (smscId: string, state: "DELIVRD" | "UNDELIV", connectorId = "c") =>
      store.delivery.applyReceipts([{ connectorId, smscId, state }], Date.now());
    const dlr = async (m: Message) => (await store.messages.get(m.accountId, m.uuid))!.dlrCode;

    it("a receipt goes to the newer message when the older one with the same id is final", async () => {
      const id = `rep-${randomUUID()}`;
      const a = await sendOne();
      await submitted(a, [id], Date.now() - 2000);
      await receipt(id, "DELIVRD");
      assert.equal(await dlr(a), Dlr.DELIVERED);
      // The SMSC restarted and hands out the same id again.
      const b = await sendOne();
      await submitted(b, [id], Date.now() - 1000);
      await receipt(id, "UNDELIV");
      assert.equal(await dlr(b), Dlr.REJECTED);
      assert.equal(await dlr(a), Dlr.DELIVERED);
    });

    it("a receipt goes to the message the id was given to most recently when both still wait", async () => {
      const id = `rep-${randomUUID()}`;
      const a = await sendOne();
      await submitted(a, [id], Date.now() - 5000);
      // A's receipt was lost with the SMSC's restart; B gets the same id afterwards.
      const b = await sendOne();
      await submitted(b, [id], Date.now() - 1000);
      await receipt(id, "DELIVRD");
      assert.equal(await dlr(b), Dlr.DELIVERED);
      assert.equal(await dlr(a), Dlr.EN_ROUTE);
    });

    it("an early receipt waits for the newer submit instead of going to a final older message", async () => {
      const id = `rep-${randomUUID()}`;
      const a = await sendOne();
      await submitted(a, [id], Date.now() - 2000);
      await receipt(id, "DELIVRD");
      const b = await sendOne();
      // B's receipt overtakes its submit record.
      await receipt(id, "UNDELIV");
      assert.equal(await dlr(a), Dlr.DELIVERED);
      await submitted(b, [id], Date.now());
      assert.equal(await dlr(b), Dlr.REJECTED);
    });

    it("the same id on another connector is another message's", async () => {
      const id = `rep-${randomUUID()}`;
      const a = await sendOne();
      const b = await sendOne();
      await submitted(a, [id], Date.now() - 2000, "one");
      await submitted(b, [id], Date.now() - 1000, "two");
      await receipt(id, "DELIVRD", "one");
      assert.equal(await dlr(a), Dlr.DELIVERED);
      assert.equal(await dlr(b), Dlr.EN_ROUTE);
    });
  });
}
