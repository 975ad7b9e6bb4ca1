/**
 * The FullSMS part of the store contract, run against SQLite and PostgreSQL alike: tenant-scoped reads,
 * contact upserts, the keyset walk over distinct subscribed phones, opt-outs, campaign leases.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { Priority } from "../../src/core/message.js";
import { openStore } from "../../src/store/open.js";
import type { NewCampaign, Store } from "../../src/store/ports/index.js";
import { germanMobiles } from "../helpers/fullsms.js";
import { storeTargets } from "../helpers/stores.js";

for (const target of storeTargets) {
  describe(`FullSMS store contract (${target.name})`, { skip: target.skip }, () => {
    let store: Store;
    before(async () => {
      store = await openStore(await target.url());
    });
    after(() => store.close());

    const now = Date.now();
    const account = async () =>
      (await store.accounts.create({ name: "f", country: "DE", currency: "EUR", balanceMicros: 0, webhookSecret: "s" }, now)).id;
    const campaign = (accountId: number, listIds: number[]): NewCampaign => ({
      id: randomUUID(),
      accountId,
      keyId: null,
      kind: "lists",
      sender: "S",
      text: "t",
      templateId: null,
      listIds,
      deliverAt: 0,
      shortenLinks: false,
      linkBase: null,
      priority: Priority.BULK,
      ip: null,
      status: "expanding",
      createdAt: now,
    });

    it("assigns a number to one account only and finds its owner", async () => {
      const [a, b] = [await account(), await account()];
      const added = await store.fullsms.numbers.add(a, "4915112340000", "DE", now);
      assert.notEqual(added, "taken");
      assert.equal(await store.fullsms.numbers.add(b, "4915112340000", "DE", now), "taken");
      assert.equal((await store.fullsms.numbers.find("4915112340000"))?.accountId, a);
      assert.equal(await store.fullsms.numbers.remove(b, "4915112340000"), false);
      assert.equal(await store.fullsms.numbers.remove(a, "4915112340000"), true);
      assert.equal(await store.fullsms.numbers.find("4915112340000"), undefined);
    });

    it("keeps sender IDs per account and approves them by id", async () => {
      const [a, b] = [await account(), await account()];
      const requested = await store.fullsms.senderIds.request(a, "BRAND", now);
      assert.equal(requested.status, "pending");
      assert.equal((await store.fullsms.senderIds.request(a, "BRAND", now)).id, requested.id);
      await store.fullsms.senderIds.decide(requested.id, "approved", now);
      assert.equal(await store.fullsms.senderIds.isApproved(a, "BRAND"), true);
      assert.equal(await store.fullsms.senderIds.isApproved(b, "BRAND"), false);
      assert.deepEqual((await store.fullsms.senderIds.list(a, "approved")).map((s) => s.name), ["BRAND"]);
    });

    it("reads templates and lists only through their own account", async () => {
      const [a, b] = [await account(), await account()];
      const template = await store.fullsms.templates.create(a, "n", "c", now);
      const list = await store.fullsms.lists.create(a, "l", "JOIN", now);
      assert.equal((await store.fullsms.templates.get(a, template.id))?.content, "c");
      assert.equal(await store.fullsms.templates.get(b, template.id), undefined);
      assert.equal(await store.fullsms.lists.get(b, list.id), undefined);
      assert.deepEqual([...(await store.fullsms.lists.existing(b, [list.id]))], []);
      assert.deepEqual([...(await store.fullsms.lists.existing(a, [list.id, 999_999]))], [list.id]);
      assert.deepEqual((await store.fullsms.lists.withSubscribeWord(a, "JOIN")).map((l) => l.id), [list.id]);
      assert.deepEqual(await store.fullsms.lists.withSubscribeWord(b, "JOIN"), []);
    });

    it("adds contacts in bulk, counting new, re-subscribed and unchanged ones", async () => {
      const a = await account();
      const list = await store.fullsms.lists.create(a, "l", null, now);
      const phones = germanMobiles(4500);
      assert.deepEqual(await store.fullsms.contacts.add(list.id, phones, now), { added: 4500, resubscribed: 0 });
      assert.deepEqual(await store.fullsms.contacts.add(list.id, phones.slice(0, 10), now), { added: 0, resubscribed: 0 });
      await store.fullsms.contacts.optOut(a, phones[0]!, now);
      await store.fullsms.contacts.clearOptOut(a, phones[0]!);
      assert.deepEqual(await store.fullsms.contacts.add(list.id, [phones[0]!], now), { added: 0, resubscribed: 1 });
      assert.equal((await store.fullsms.lists.list(a))[0]?.subscribedContacts, 4500);
    });

    it("walks distinct subscribed, not opted-out phones of several lists in phone order, page by page", async () => {
      const [a, b] = [await account(), await account()];
      const l1 = await store.fullsms.lists.create(a, "1", null, now);
      const l2 = await store.fullsms.lists.create(a, "2", null, now);
      const theirs = await store.fullsms.lists.create(b, "3", null, now);
      const all = germanMobiles(30, 7_000_000);
      await store.fullsms.contacts.add(l1.id, all.slice(0, 20), now);
      await store.fullsms.contacts.add(l2.id, all.slice(10, 30), now);
      await store.fullsms.contacts.add(theirs.id, all, now);
      await store.fullsms.contacts.optOut(a, all[5]!, now);
      await store.fullsms.contacts.remove(l2.id, all[25]!);
      const seen: string[] = [];
      let cursor: string | null = null;
      for (;;) {
        const page: string[] = await store.fullsms.contacts.nextRecipients(a, [l1.id, l2.id], cursor, 7);
        if (page.length === 0) break;
        seen.push(...page);
        cursor = page.at(-1)!;
      }
      const expected = all.filter((_, i) => i !== 5 && i !== 25);
      assert.deepEqual(seen, expected);
      // The opt-out belongs to account a only.
      assert.equal((await store.fullsms.contacts.nextRecipients(b, [theirs.id], null, 100)).length, 30);
      assert.deepEqual([...(await store.fullsms.contacts.optedOut(a, [all[5]!, all[6]!]))], [all[5]]);
    });

    it("lets one runner hold a campaign's lease at a time, and hands it over once it lapses", async () => {
      const a = await account();
      const c = campaign(a, [1]);
      await store.fullsms.campaigns.create(c);
      assert.equal(await store.fullsms.campaigns.claim(c.id, "one", now, now + 1000), true);
      assert.equal(await store.fullsms.campaigns.claim(c.id, "two", now + 500, now + 1500), false);
      const progress = { cursor: "+49", enqueued: 5, skipped: 1, debitedMicros: 100 };
      assert.equal(await store.fullsms.campaigns.progress(c.id, "one", progress, now, now + 1000), true);
      assert.equal(await store.fullsms.campaigns.claim(c.id, "two", now + 1000, now + 2000), true);
      assert.equal(await store.fullsms.campaigns.progress(c.id, "one", progress, now, now + 3000), false, "the lease moved on");
      assert.deepEqual((await store.fullsms.campaigns.expanding()).find((e) => e.id === c.id), { id: c.id, leaseUntil: now + 2000 });
      await store.fullsms.campaigns.finish(c.id, "done", null, progress, now);
      const done = await store.fullsms.campaigns.get(a, c.id);
      assert.equal(done?.status, "done");
      assert.equal(done?.enqueued, 5);
      assert.equal(await store.fullsms.campaigns.get(a + 1, c.id), undefined);
      assert.equal(await store.fullsms.campaigns.claim(c.id, "three", now + 5000, now + 6000), false, "finished campaigns stay finished");
      assert.deepEqual(await store.fullsms.campaigns.committed(c.id), { lastPhone: null, enqueued: 0, debitedMicros: 0 });
    });

    it("stores short links and their clicks per message, visible to the owning account only", async () => {
      const [a, b] = [await account(), await account()];
      const uuid = randomUUID();
      await store.fullsms.shortLinks.createMany([
        { code: "AAAAAAAAA1", accountId: a, messageUuid: uuid, url: "https://x.example/1", createdAt: now },
        { code: "AAAAAAAAA2", accountId: a, messageUuid: uuid, url: "https://x.example/2", createdAt: now },
      ]);
      const link = (await store.fullsms.shortLinks.get("AAAAAAAAA2"))!;
      await store.fullsms.shortLinks.recordClick(link, { ip: "1.2.3.4", userAgent: "ua", referer: null }, now);
      await store.fullsms.shortLinks.recordClick(link, { ip: "1.2.3.5", userAgent: null, referer: null }, now + 1);
      const clicks = await store.fullsms.shortLinks.clicks(a, uuid, { offset: 0, limit: 1 });
      assert.equal(clicks.total, 2);
      assert.equal(clicks.items.length, 1);
      assert.equal(clicks.items[0]?.url, "https://x.example/2");
      assert.equal((await store.fullsms.shortLinks.clicks(b, uuid, { offset: 0, limit: 10 })).total, 0);
      assert.equal((await store.fullsms.shortLinks.forMessage(a, uuid)).length, 2);
      assert.equal((await store.fullsms.shortLinks.forMessage(b, uuid)).length, 0);
      await store.fullsms.shortLinks.deleteMany(["AAAAAAAAA1"]);
      assert.equal(await store.fullsms.shortLinks.get("AAAAAAAAA1"), undefined);
    });
  });
}
