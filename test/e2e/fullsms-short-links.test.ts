/**
 * Short links on a real server, over every store: refused with the seed's 403 unless the account allows
 * them; otherwise each URL of each message becomes /s/{code}, which redirects and counts clicks that
 * LOX24's GET /sms/{uuid}/clicks and /requests show.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createTemplate } from "../../src/app/fullsms/manage-catalogue.js";
import { campaignsIdle, stopCampaigns } from "../../src/app/fullsms/campaign-runner.js";
import { type FullsmsClient, fullsmsClient, germanMobiles, type SeedAccount, seedAccount } from "../helpers/fullsms.js";
import { http, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";

const SHORT_LINKS_REFUSED = {
  status_code: 403,
  message: "Shortlinks are not allowed in your account. You may use templates without shortlinks.",
};
const SHORT = /https?:\/\/[^\s/]+\/s\/([A-Za-z0-9]{10})/g;

for (const target of storeTargets) {
  describe(`FullSMS short links (${target.name})`, { skip: target.skip }, () => {
    let gw: TestGateway;
    let seed: SeedAccount;
    let api: FullsmsClient;
    const lox24 = (path: string, accept = "application/json", token = gw.token) =>
      http(gw.url, "GET", path, { headers: { "X-LOX24-AUTH-TOKEN": token, Accept: accept } });
    const messagesOf = async (campaignId: string) =>
      (await gw.gateway.store.messages.list(gw.accountId, { page: 1, perPage: 500, order: "asc", bulkId: campaignId })).items;
    const codesOf = (text: string) => [...text.matchAll(SHORT)].map((m) => m[1]!);
    const allowLinks = (allow: boolean) => gw.gateway.store.accounts.update(gw.accountId, { allowShortLinks: allow });

    before(async () => {
      gw = await startTestGateway(target, { country: "GB" });
      seed = await seedAccount(gw);
      api = fullsmsClient(gw);
      await gw.gateway.store.fullsms.contacts.add(seed.listId, germanMobiles(3), Date.now());
    });
    after(async () => {
      await stopCampaigns(gw.gateway.deps);
      await gw.stop();
    });

    it("refuses a message with a URL with the seed's 403 when the account does not allow short links", async () => {
      const template = await createTemplate(gw.gateway.deps, gw.accountId, "linked", "Sale! www.example.com/sale");
      for (const [path, body] of [
        ["/messages/send/to_numbers", { to_numbers: ["447911123456"], from: "COPERATO", message: "See https://example.com/x" }],
        ["/messages/send/to_lists", { to_list_ids: [seed.listId], from: "COPERATO", message: "See http://example.com" }],
        ["/messages/send/to_numbers", { to_numbers: ["447911123456"], from: "COPERATO", template_id: template.id }],
      ] as const) {
        const res = await api.post(path, body);
        assert.equal(res.status, 403, path);
        assert.deepEqual(res.body, SHORT_LINKS_REFUSED);
      }
    });

    it("shortens each URL of each message to its own link on the configured public URL", async () => {
      await allowLinks(true);
      gw.gateway.deps.publicUrl = "https://sms.example.net";
      try {
        const res = await api.post("/messages/send/to_lists", {
          to_list_ids: [seed.listId],
          from: "COPERATO",
          message: "Offer: https://shop.example.com/a?b=1, more at www.example.com/more.",
        });
        assert.equal(res.status, 200);
        await campaignsIdle(gw.gateway.deps);
        const messages = await messagesOf(res.body.campaign_id);
        assert.equal(messages.length, 3);
        const codes = new Set<string>();
        for (const m of messages) {
          assert.match(m.text!, /^Offer: https:\/\/sms\.example\.net\/s\/[A-Za-z0-9]{10}, more at https:\/\/sms\.example\.net\/s\/[A-Za-z0-9]{10}\.$/);
          for (const code of codesOf(m.text!)) codes.add(code);
        }
        assert.equal(codes.size, 6, "every URL of every message has its own code");
      } finally {
        delete gw.gateway.deps.publicUrl;
      }
    });

    it("redirects with 302 and counts the click for that message, shown by LOX24 /clicks and /requests", async () => {
      await allowLinks(true);
      const res = await api.post("/messages/send/to_numbers", {
        to_numbers: ["447911123456"],
        from: "COPERATO",
        message: "Track https://example.com/track?id=7",
      });
      assert.equal(res.status, 200);
      const [message] = await messagesOf(res.body.campaign_id);
      const [code] = codesOf(message!.text!);
      // No public URL configured: the links point at the address the request came to.
      assert.ok(message!.text!.includes(`${gw.url}/s/${code}`));

      let clicks = await lox24(`/sms/${message!.uuid}/clicks`);
      assert.equal(clicks.status, 200);
      assert.equal(clicks.body.requests_count, 0);

      const redirect = await fetch(`${gw.url}/s/${code}`, {
        redirect: "manual",
        headers: { "User-Agent": "TestPhone/1.0", Referer: "https://referrer.example" },
      });
      assert.equal(redirect.status, 302);
      assert.equal(redirect.headers.get("location"), "https://example.com/track?id=7");
      const head = await fetch(`${gw.url}/s/${code}`, { method: "HEAD", redirect: "manual" });
      assert.equal(head.status, 302);

      clicks = await lox24(`/sms/${message!.uuid}/clicks`);
      assert.deepEqual(Object.keys(clicks.body), ["uuid", "created_at", "requests_count"]);
      assert.equal(clicks.body.uuid, message!.uuid);
      assert.equal(clicks.body.requests_count, 1, "a HEAD request is not a click");
      assert.ok(Math.abs(clicks.body.created_at - Date.now() / 1000) < 60);

      const requests = await lox24(`/sms/${message!.uuid}/requests`);
      assert.equal(requests.status, 200);
      assert.equal(requests.body.length, 1);
      assert.equal(requests.body[0].url, "https://example.com/track?id=7");
      assert.equal(requests.body[0].user_agent, "TestPhone/1.0");
      assert.equal(requests.body[0].referer, "https://referrer.example");
      assert.equal(requests.body[0].ip, "127.0.0.1");
      assert.equal(requests.body[0].short_link, `/s/${code}`);

      const ld = await lox24(`/sms/${message!.uuid}/requests`, "application/ld+json");
      assert.equal(ld.body["@type"], "hydra:Collection");
      assert.equal(ld.body["hydra:totalItems"], 1);
      assert.equal(ld.body["hydra:member"][0]["@type"], "short_link_requests");
      const ldClicks = await lox24(`/sms/${message!.uuid}/clicks`, "application/ld+json");
      assert.equal(ldClicks.body["@id"], `/sms/${message!.uuid}/clicks`);
      assert.equal(ldClicks.body.requests_count, 1);
    });

    it("answers 404 for another account's message and unknown codes; zero clicks for a message without links", async () => {
      await allowLinks(true);
      const linked = await api.post("/messages/send/to_numbers", {
        to_numbers: ["447911123456"],
        from: "COPERATO",
        message: "https://example.com",
      });
      const [message] = await messagesOf(linked.body.campaign_id);
      const other = await gw.newAccount();
      for (const path of ["clicks", "requests"]) {
        const res = await lox24(`/sms/${message!.uuid}/${path}`, "application/json", other.token);
        assert.equal(res.status, 404);
        assert.equal(res.body.detail, "Resource not found");
      }
      const plain = await api.post("/messages/send/to_numbers", { to_numbers: ["447911123456"], from: "COPERATO", message: "no link" });
      const [plainMessage] = await messagesOf(plain.body.campaign_id);
      const plainClicks = await lox24(`/sms/${plainMessage!.uuid}/clicks`);
      assert.deepEqual([plainClicks.status, plainClicks.body.requests_count], [200, 0]);
      assert.equal((await lox24("/sms/not-a-uuid/clicks")).status, 404);
      for (const code of ["AAAAAAAAAA", "short", "a-b_c.d"]) {
        const res = await http(gw.url, "GET", `/s/${code}`);
        assert.equal(res.status, 404, code);
        assert.equal(res.body.status_code, 404);
      }
    });
  });
}
