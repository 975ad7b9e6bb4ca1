/**
 * Inbound SMS and contact lists, over every store: a subscribe word subscribes, stop words (English and
 * local) opt out of all the account's lists, later campaigns skip those numbers, waiting campaign
 * messages to them are cancelled. handleInboundForLists is called as the SMPP inbound path will.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { campaignsIdle, stopCampaigns } from "../../src/app/fullsms/campaign-runner.js";
import { handleInboundForLists } from "../../src/app/fullsms/inbound.js";
import { createList } from "../../src/app/fullsms/manage-lists.js";
import { Status } from "../../src/core/message.js";
import { type FullsmsClient, fullsmsClient, seedAccount, wallClock } from "../helpers/fullsms.js";
import { startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";

const TO = "+441111111111";

for (const target of storeTargets) {
  describe(`FullSMS inbound subscribe / opt-out (${target.name})`, { skip: target.skip }, () => {
    let gw: TestGateway;
    let api: FullsmsClient;
    const inbound = (from: string, text: string, to = TO) =>
      handleInboundForLists(gw.gateway.deps, { from, to, text, receivedAt: Date.now() });
    const subscribedOn = async (listId: number) => {
      const lists = await gw.gateway.store.fullsms.lists.list(gw.accountId);
      return lists.find((l) => l.id === listId)?.subscribedContacts;
    };

    before(async () => {
      gw = await startTestGateway(target, { country: "GB" });
      await seedAccount(gw);
      api = fullsmsClient(gw);
    });
    after(async () => {
      await stopCampaigns(gw.gateway.deps);
      await gw.stop();
    });

    it("subscribes the sender to the list whose subscribe word is the whole text, in any case and spacing", async () => {
      const list = await createList(gw.gateway.deps, gw.accountId, "club", "join");
      const outcome = await inbound("+447911000001", "  Join ");
      assert.deepEqual(outcome, { action: "subscribed", accountId: gw.accountId, phone: "+447911000001", listIds: [list.id] });
      assert.equal(await subscribedOn(list.id), 1);
      // The number may be written without "+" by the inbound path; the same contact, not a second one.
      await inbound("447911000001", "JOIN", "441111111111");
      assert.equal(await subscribedOn(list.id), 1);
    });

    it("ignores texts that are not only a keyword, numbers that are not an account's, and senders that are not numbers", async () => {
      await createList(gw.gateway.deps, gw.accountId, "vip", "VIP");
      assert.deepEqual(await inbound("+447911000002", "VIP please"), { action: "none" });
      assert.deepEqual(await inbound("+447911000002", "VIP", "+449999999999"), { action: "none" });
      assert.deepEqual(await inbound("SHOP", "VIP"), { action: "none" });
      assert.deepEqual(await inbound("+447911000002", "please stop"), { action: "none" });
    });

    it("opts the sender out of all the account's lists for STOP and its local equivalents", async () => {
      const words = ["STOP", "stop", "Unsubscribe", "END", "quit", "CANCEL", "STOPALL", "Stopp", "Arrêt", "baja", "הסר", "stop."];
      for (const [i, word] of words.entries()) {
        const phone = `+4479110001${String(i).padStart(2, "0")}`;
        const list = await createList(gw.gateway.deps, gw.accountId, `l${i}`);
        await gw.gateway.store.fullsms.contacts.add(list.id, [phone], Date.now());
        const outcome = await inbound(phone, word);
        assert.equal(outcome.action, "opted_out", word);
        assert.equal(await subscribedOn(list.id), 0, word);
      }
    });

    it("skips opted-out numbers in later campaigns, until they text a subscribe word again", async () => {
      const list = await createList(gw.gateway.deps, gw.accountId, "promo", "PROMO");
      const [stays, leaves] = ["+447911000201", "+447911000202"];
      await gw.gateway.store.fullsms.contacts.add(list.id, [stays!, leaves!], Date.now());
      await inbound(leaves!, "STOP");
      const send = async () => {
        const res = await api.post("/messages/send/to_lists", { to_list_ids: [list.id], message: "promo", from: "COPERATO" });
        assert.equal(res.status, 200);
        await campaignsIdle(gw.gateway.deps);
        const { items } = await gw.gateway.store.messages.list(gw.accountId, {
          page: 1,
          perPage: 10,
          order: "asc",
          bulkId: res.body.campaign_id,
        });
        return items.map((m) => m.phone).sort();
      };
      assert.deepEqual(await send(), [stays]);
      // Re-adding by the operator does not override the customer's stop.
      await gw.gateway.store.fullsms.contacts.add(list.id, [leaves!], Date.now());
      assert.deepEqual(await send(), [stays]);
      assert.equal((await inbound(leaves!, "promo")).action, "subscribed");
      assert.deepEqual(await send(), [stays, leaves]);
    });

    it("cancels and refunds campaign messages still waiting for a number that opts out, not transactional ones", async () => {
      const phone = "+447911000301";
      const later = wallClock(Date.now() + 3600_000);
      const campaign = await api.post("/messages/send/to_numbers", {
        to_numbers: [phone, "+447911000302"],
        from: "COPERATO",
        message: "scheduled promo",
        send_at: later,
      });
      const single = await api.post("/messages/send/to_numbers", { to_numbers: [phone], from: "COPERATO", message: "your code" });
      assert.equal(campaign.status, 200);
      assert.equal(single.status, 200);
      const balance = (await gw.gateway.store.accounts.get(gw.accountId))!.balanceMicros;
      const outcome = await inbound(phone, "STOP");
      assert.equal(outcome.action, "opted_out");
      assert.equal(outcome.action === "opted_out" && outcome.cancelled, 1);
      const { items } = await gw.gateway.store.messages.list(gw.accountId, { page: 1, perPage: 10, order: "asc", phone });
      const byBulk = new Map(items.map((m) => [m.bulkId, m]));
      assert.equal(byBulk.get(campaign.body.campaign_id)?.statusCode, Status.CANCELLED);
      assert.equal(byBulk.get(single.body.campaign_id)?.statusCode, Status.NEW);
      const refunded = (await gw.gateway.store.accounts.get(gw.accountId))!.balanceMicros;
      assert.equal(refunded - balance, byBulk.get(campaign.body.campaign_id)!.priceMicros);
    });

    it("keeps accounts apart: a stop to one account's number does not opt out of another's lists", async () => {
      const other = await gw.newAccount({ country: "GB" });
      await seedAccount(gw, other.accountId, "441111112345");
      const theirs = await createList(gw.gateway.deps, other.accountId, "theirs");
      const phone = "+447911000401";
      await gw.gateway.store.fullsms.contacts.add(theirs.id, [phone], Date.now());
      await inbound(phone, "STOP"); // to this account's number
      const lists = await gw.gateway.store.fullsms.lists.list(other.accountId);
      assert.equal(lists.find((l) => l.id === theirs.id)?.subscribedContacts, 1);
      const outcome = await inbound(phone, "STOP", "441111112345");
      assert.deepEqual(outcome, { action: "opted_out", accountId: other.accountId, phone, cancelled: 0 });
    });
  });
}
