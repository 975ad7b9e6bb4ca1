/**
 * A campaign to a 100,000-contact list (SQLite; 5,000 on PostgreSQL to keep the suite fast): the request
 * answers at once, every contact gets exactly one message, and memory stays flat while the list is
 * expanded and enqueued in the background.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { campaignsIdle, stopCampaigns } from "../../src/app/fullsms/campaign-runner.js";
import { countCampaign, fullsmsClient, germanMobiles, seedAccount } from "../helpers/fullsms.js";
import { startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const MB = 1024 * 1024;
/** Generous: a list held in memory would cost far more (100,000 message objects alone are ~100 MB). */
const MAX_GROWTH = 150 * MB;

for (const target of storeTargets) {
  const contacts = target.name === "sqlite" ? 100_000 : 5_000;

  describe(`FullSMS campaign expansion at scale (${target.name})`, { skip: target.skip }, () => {
    let gw: TestGateway;

    before(async () => {
      gw = await startTestGateway(target, { country: "GB", balance: 1_000_000 });
    });
    after(async () => {
      await stopCampaigns(gw.gateway.deps);
      await gw.stop();
    });

    it(`sends exactly one message to each of ${contacts.toLocaleString("en")} contacts, in bounded memory`, async () => {
      const seed = await seedAccount(gw);
      await gw.gateway.store.fullsms.contacts.add(seed.listId, germanMobiles(contacts), Date.now());

      gc();
      const baseline = process.memoryUsage();
      let peakRss = baseline.rss;
      let peakHeap = baseline.heapUsed;
      const sampler = setInterval(() => {
        const now = process.memoryUsage();
        peakRss = Math.max(peakRss, now.rss);
        peakHeap = Math.max(peakHeap, now.heapUsed);
      }, 10);

      const started = performance.now();
      const res = await fullsmsClient(gw).post("/messages/send/to_lists", {
        to_list_ids: [seed.listId],
        message: "Your Message",
        from: "441111111111",
      });
      const answeredMs = performance.now() - started;
      await campaignsIdle(gw.gateway.deps);
      clearInterval(sampler);

      assert.equal(res.status, 200);
      assert.ok(answeredMs < 2000, `answered in ${answeredMs.toFixed(0)} ms`);
      const campaign = await gw.gateway.store.fullsms.campaigns.get(gw.accountId, res.body.campaign_id);
      assert.equal(campaign?.status, "done");
      assert.equal(campaign?.enqueued, contacts);
      assert.deepEqual(await countCampaign(gw, res.body.campaign_id), { messages: contacts, phones: contacts });
      const rssGrowth = peakRss - baseline.rss;
      const heapGrowth = peakHeap - baseline.heapUsed;
      assert.ok(rssGrowth < MAX_GROWTH, `RSS grew ${(rssGrowth / MB).toFixed(0)} MB`);
      assert.ok(heapGrowth < MAX_GROWTH, `heap grew ${(heapGrowth / MB).toFixed(0)} MB`);
    });

    it("walks several overlapping lists across many batches, each phone once", async () => {
      const { fullsms } = gw.gateway.store;
      const a = await fullsms.lists.create(gw.accountId, "a", null, Date.now());
      const b = await fullsms.lists.create(gw.accountId, "b", null, Date.now());
      const c = await fullsms.lists.create(gw.accountId, "c", null, Date.now());
      await fullsms.contacts.add(a.id, germanMobiles(1500, 5_000_000), Date.now());
      await fullsms.contacts.add(b.id, germanMobiles(1500, 5_000_800), Date.now()); // 700 shared with a
      await fullsms.contacts.add(c.id, germanMobiles(300, 5_000_100), Date.now()); // all shared with a
      const res = await fullsmsClient(gw).post("/messages/send/to_lists", {
        to_list_ids: [a.id, b.id, c.id],
        message: "overlap",
        from: "COPERATO",
      });
      assert.equal(res.status, 200);
      await campaignsIdle(gw.gateway.deps);
      assert.deepEqual(await countCampaign(gw, res.body.campaign_id), { messages: 2300, phones: 2300 });
    });
  });
}
