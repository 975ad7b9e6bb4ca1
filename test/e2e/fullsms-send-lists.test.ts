/**
 * FullSMS POST /messages/send/to_lists on a real server, over every store: the seed's example and
 * errors, each contact once, opt-outs skipped, balance running out midway, resuming after a restart.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { sendBatch } from "../../src/app/fullsms/campaign-batch.js";
import { planOf } from "../../src/app/fullsms/campaign-expansion.js";
import { campaignsIdle, resumeCampaigns, stopCampaigns } from "../../src/app/fullsms/campaign-runner.js";
import { Dlr, Priority } from "../../src/core/message.js";
import {
  countCampaign,
  type FullsmsClient,
  fullsmsClient,
  germanMobiles,
  type SeedAccount,
  seedAccount,
  wallClock,
} from "../helpers/fullsms.js";
import { http, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PATH = "/messages/send/to_lists";
const unprocessable = (errors: Record<string, string[]>) => ({ message: "422 Unprocessable Content", errors, status_code: 422 });
const NOT_FOUND = "List with this id could not be found";
const HOUR = 3600_000;

for (const target of storeTargets) {
  describe(`FullSMS ${PATH} (${target.name})`, { skip: target.skip }, () => {
    let gw: TestGateway;
    let seed: SeedAccount;
    let api: FullsmsClient;
    const store = () => gw.gateway.store;
    const newList = async (phones: string[], accountId = gw.accountId) => {
      const list = await store().fullsms.lists.create(accountId, `list ${randomUUID()}`, null, Date.now());
      await store().fullsms.contacts.add(list.id, phones, Date.now());
      return list.id;
    };
    const phonesOf = async (campaignId: string) =>
      (await store().messages.list(gw.accountId, { page: 1, perPage: 500, order: "asc", bulkId: campaignId })).items
        .map((m) => m.phone)
        .sort();
    /** Another account with the seed's setup and `balance` to spend. */
    const otherAccount = async (balance: number, number: string) => {
      const other = await gw.newAccount({ country: "GB", balance });
      const otherSeed = await seedAccount(gw, other.accountId, number);
      return { ...other, ...otherSeed, api: fullsmsClient(gw, other.token) };
    };

    before(async () => {
      gw = await startTestGateway(target, { country: "GB", balance: 1000 });
      seed = await seedAccount(gw);
      api = fullsmsClient(gw);
      await store().fullsms.contacts.add(seed.listId, ["+447911123456"], Date.now());
    });
    after(async () => {
      await stopCampaigns(gw.gateway.deps);
      await gw.stop();
    });

    it("takes the seed's example request as written: its send_at is in the past now, so 422", async () => {
      const res = await api.post(PATH, {
        to_list_ids: [7],
        message: "Your Message",
        from: "441111111111",
        send_at: "2025-01-01 08:51:07",
      });
      assert.equal(res.status, 422);
      assert.deepEqual(res.body, unprocessable({ send_at: ["The send at must be a date after now."] }));
    });

    it("answers the seed's 422 List not Found for the example's list 7, which this account does not have", async () => {
      const res = await api.post(PATH, {
        to_list_ids: [7],
        message: "Your Message",
        from: "441111111111",
        send_at: wallClock(Date.now() + HOUR),
      });
      assert.equal(res.status, 422);
      assert.deepEqual(res.body, unprocessable({ "to_list_ids.0": [NOT_FOUND] }));
    });

    it("sends the seed's example to a real list: approved with a campaign id, scheduled for send_at", async () => {
      const sendAt = Date.now() + 2 * HOUR;
      const res = await api.post(PATH, {
        to_list_ids: [seed.listId],
        message: "Your Message",
        from: "441111111111",
        send_at: wallClock(sendAt),
      });
      assert.equal(res.status, 200);
      assert.deepEqual(Object.keys(res.body), ["status", "campaign_id"]);
      assert.equal(res.body.status, "approved");
      assert.match(res.body.campaign_id, UUID);
      await campaignsIdle(gw.gateway.deps);
      const { items } = await store().messages.list(gw.accountId, { page: 1, perPage: 10, order: "asc", bulkId: res.body.campaign_id });
      assert.equal(items.length, 1);
      assert.equal(items[0]!.text, "Your Message");
      assert.equal(items[0]!.senderId, "+441111111111");
      assert.equal(items[0]!.priority, Priority.BULK);
      assert.equal(items[0]!.dlrCode, Dlr.SCHEDULED);
      assert.ok(Math.abs(items[0]!.deliveryAt - Math.floor(sendAt / 1000)) <= 1);
    });

    it("sends to each subscribed contact once across lists, and skips numbers that opted out", async () => {
      const [a, b, c, d, e] = germanMobiles(5, 1000);
      const first = await newList([a!, b!, c!]);
      const second = await newList([b!, c!, d!, e!]);
      await store().fullsms.contacts.optOut(gw.accountId, c!, Date.now());
      await store().fullsms.contacts.remove(second, e!);
      const res = await api.post(PATH, { to_list_ids: [first, second, first], template_id: seed.templateId, from: "COPERATO" });
      assert.equal(res.status, 200);
      await campaignsIdle(gw.gateway.deps);
      assert.deepEqual(await phonesOf(res.body.campaign_id), [a, b, d]);
      const campaign = await store().fullsms.campaigns.get(gw.accountId, res.body.campaign_id);
      assert.equal(campaign?.status, "done");
      assert.equal(campaign?.enqueued, 3);
    });

    it("answers 422 to_list_ids.N for unknown lists and other accounts' lists, naming each bad index", async () => {
      const other = await otherAccount(10, "441111118888");
      const res = await api.post(PATH, { to_list_ids: [seed.listId, other.listId, 987654], message: "hi", from: "COPERATO" });
      assert.equal(res.status, 422);
      assert.deepEqual(res.body, unprocessable({ "to_list_ids.1": [NOT_FOUND], "to_list_ids.2": [NOT_FOUND] }));
    });

    it("checks to_list_ids: required, an array, integers", async () => {
      let res = await api.post(PATH, { message: "hi", from: "COPERATO" });
      assert.deepEqual(res.body, unprocessable({ to_list_ids: ["The to list ids field is required."] }));
      res = await api.post(PATH, { to_list_ids: 7, message: "hi", from: "COPERATO" });
      assert.deepEqual(res.body, unprocessable({ to_list_ids: ["The to list ids must be an array."] }));
      res = await api.post(PATH, { to_list_ids: [String(seed.listId), "x", 1.5], message: "hi", from: "COPERATO" });
      assert.deepEqual(
        res.body,
        unprocessable({
          "to_list_ids.1": ["The to list ids.1 must be an integer."],
          "to_list_ids.2": ["The to list ids.2 must be an integer."],
        }),
      );
    });

    it("answers the seed's 422 'The message must be a string.'", async () => {
      const res = await api.post(PATH, { to_list_ids: [seed.listId], message: ["Your Message"], from: "441111111111" });
      assert.equal(res.status, 422);
      assert.deepEqual(res.body, unprocessable({ message: ["The message must be a string."] }));
    });

    it("answers the seed's 403 bodies for a number or sender ID the account may not use", async () => {
      let res = await api.post(PATH, { to_list_ids: [seed.listId], message: "hi", from: "442222222222" });
      assert.equal(res.status, 403);
      assert.deepEqual(res.body, { status_code: 403, message: "Number invalid, inactive or unknown" });
      res = await api.post(PATH, { to_list_ids: [seed.listId], message: "hi", from: "NOTMINE" });
      assert.equal(res.status, 403);
      assert.deepEqual(res.body, { status_code: 403, message: "Sender ID is not approved" });
    });

    it("answers the seed's 404 for a template that is missing or another account's", async () => {
      const other = await otherAccount(10, "441111119999");
      for (const templateId of [other.templateId, "424242"]) {
        const res = await api.post(PATH, { to_list_ids: [seed.listId], template_id: templateId, from: "COPERATO" });
        assert.equal(res.status, 404);
        assert.deepEqual(res.body, { status_code: 404, status: "declined", message: "Template not found or not valid" });
      }
    });

    it("answers the seed's 422 balance_low body below the minimum, and when nothing at all can be paid", async () => {
      const other = await otherAccount(0.05, "441111110001");
      await store().fullsms.contacts.add(other.listId, germanMobiles(3), Date.now());
      const body = { to_list_ids: [other.listId], message: "hi", from: "COPERATO" };
      await store().accounts.update(other.accountId, { minBalanceMicros: 1_000_000 });
      let res = await other.api.post(PATH, body);
      assert.equal(res.status, 422);
      assert.deepEqual(res.body, {
        status_code: 422,
        status: "declined",
        reason: "balance_low",
        message: "Balance must be over $1 to create or schedule new campaigns or messages",
      });
      await store().accounts.update(other.accountId, { minBalanceMicros: 0 });
      res = await other.api.post(PATH, body);
      assert.equal(res.status, 422);
      assert.equal(res.body.reason, "balance_low");
      assert.equal(
        res.body.message,
        "Balance must be at least $0.07 to create or schedule new campaigns or messages: the balance is $0.05, $0.02 short",
      );
    });

    it("stops a campaign as failed when the balance runs out midway, keeping what was enqueued", async () => {
      // 0.07 per message: 49.00 pays for 700 of the 1,200 contacts (one batch and part of the next).
      const other = await otherAccount(49, "441111110002");
      await store().fullsms.contacts.add(other.listId, germanMobiles(1200, 50_000), Date.now());
      const res = await other.api.post(PATH, { to_list_ids: [other.listId], message: "hi", from: "COPERATO" });
      assert.equal(res.status, 200);
      await campaignsIdle(gw.gateway.deps);
      const campaign = await store().fullsms.campaigns.get(other.accountId, res.body.campaign_id);
      assert.equal(campaign?.status, "failed");
      assert.match(campaign!.failureReason!, /^balance_low/);
      assert.equal(campaign?.enqueued, 700);
      assert.deepEqual(await countCampaign(gw, res.body.campaign_id), { messages: 700, phones: 700 });
      assert.equal((await store().accounts.get(other.accountId))?.balanceMicros, 0);
    });

    it("shows progress in LOX24's GET /sms?bulk_id= while and after the campaign expands", async () => {
      const list = await newList(germanMobiles(1100, 200_000));
      const res = await api.post(PATH, { to_list_ids: [list], message: "progress", from: "COPERATO" });
      await campaignsIdle(gw.gateway.deps);
      const page = await http(gw.url, "GET", `/sms?bulk_id=${res.body.campaign_id}`, {
        headers: { "X-LOX24-AUTH-TOKEN": gw.token },
      });
      assert.equal(page.status, 200);
      assert.equal(page.body["hydra:totalItems"], 1100);
      assert.equal(page.body["hydra:member"][0].bulk_id, res.body.campaign_id);
    });

    it("resumes after a graceful stop: the rest is sent, nothing twice", async () => {
      const phones = germanMobiles(1600, 300_000);
      const list = await newList(phones);
      const res = await api.post(PATH, { to_list_ids: [list], message: "resume", from: "COPERATO" });
      assert.equal(res.status, 200);
      await stopCampaigns(gw.gateway.deps); // as at shutdown: the current batch finishes, the lease is handed back
      const stopped = await store().fullsms.campaigns.get(gw.accountId, res.body.campaign_id);
      assert.equal(stopped?.status, "expanding");
      assert.ok(stopped!.enqueued >= 500 && stopped!.enqueued < 1600);
      assert.equal(await resumeCampaigns(gw.gateway.deps), 1);
      await campaignsIdle(gw.gateway.deps);
      assert.deepEqual(await countCampaign(gw, res.body.campaign_id), { messages: 1600, phones: 1600 });
      assert.equal((await store().fullsms.campaigns.get(gw.accountId, res.body.campaign_id))?.status, "done");
    });

    it("resumes after a crash between a batch's commit and its progress write, without sending it twice", async () => {
      const phones = germanMobiles(1200, 400_000);
      const list = await newList(phones);
      const id = randomUUID();
      const now = Date.now();
      await store().fullsms.campaigns.create({
        id,
        accountId: gw.accountId,
        keyId: null,
        kind: "lists",
        sender: "COPERATO",
        text: "after a crash",
        templateId: null,
        listIds: [list],
        deliverAt: 0,
        shortenLinks: false,
        linkBase: null,
        priority: Priority.BULK,
        ip: null,
        status: "expanding",
        createdAt: now,
      });
      const campaign = (await store().fullsms.campaigns.getById(id))!;
      const account = (await store().accounts.get(gw.accountId))!;
      await sendBatch(gw.gateway.deps, planOf(campaign, account), phones.slice(0, 500), { partial: true });
      assert.equal(await resumeCampaigns(gw.gateway.deps), 1);
      await campaignsIdle(gw.gateway.deps);
      assert.deepEqual(await countCampaign(gw, id), { messages: 1200, phones: 1200 });
      const done = await store().fullsms.campaigns.getById(id);
      assert.equal(done?.status, "done");
      assert.equal(done?.enqueued, 1200);
    });

    it("leaves a campaign alone while another gateway holds its lease", async () => {
      const list = await newList(germanMobiles(10, 500_000));
      const id = randomUUID();
      const now = Date.now();
      await store().fullsms.campaigns.create({
        id,
        accountId: gw.accountId,
        keyId: null,
        kind: "lists",
        sender: "COPERATO",
        text: "leased",
        templateId: null,
        listIds: [list],
        deliverAt: 0,
        shortenLinks: false,
        linkBase: null,
        priority: Priority.BULK,
        ip: null,
        status: "expanding",
        createdAt: now,
      });
      assert.equal(await store().fullsms.campaigns.claim(id, "another-gateway", now, now + 60_000), true);
      assert.equal(await resumeCampaigns(gw.gateway.deps), 0);
      assert.deepEqual(await countCampaign(gw, id), { messages: 0, phones: 0 });
      await store().fullsms.campaigns.finish(id, "failed", "test over", { cursor: null, enqueued: 0, skipped: 0, debitedMicros: 0 }, now);
    });

    it("sends an empty list's campaign as done with nothing enqueued", async () => {
      const list = await newList([]);
      const res = await api.post(PATH, { to_list_ids: [list], message: "nobody", from: "COPERATO" });
      assert.equal(res.status, 200);
      const campaign = await store().fullsms.campaigns.get(gw.accountId, res.body.campaign_id);
      assert.equal(campaign?.status, "done");
      assert.equal(campaign?.enqueued, 0);
    });
  });
}
