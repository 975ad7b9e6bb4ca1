/** FullSMS GET /account/* on a real server, over every store: the seed's examples, auth errors, isolation. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { http, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { bearer, fullsmsClient, germanMobiles, type SeedAccount, seedAccount } from "../helpers/fullsms.js";
import { storeTargets } from "../helpers/stores.js";
import { requestSenderId } from "../../src/app/fullsms/manage-catalogue.js";

const UNAUTHENTICATED = { status_code: 403, message: "Unauthenticated - Missing/Invalid API key" };
const ACCESS_DENIED = { status_code: 403, message: "Access Denied" };
const INTERNAL = { status_code: 500, message: "Internal Error" };
const ENDPOINTS = ["balance", "numbers", "lists", "senderids", "templates"];

for (const target of storeTargets) {
  describe(`FullSMS /account (${target.name})`, { skip: target.skip }, () => {
    let gw: TestGateway;
    let seed: SeedAccount;
    let api: ReturnType<typeof fullsmsClient>;

    before(async () => {
      // Many bad tokens on purpose: keep the shared IP block out of the way.
      gw = await startTestGateway(target, { country: "GB", overrides: { "security.badCredentialLimit": 1000 } });
      seed = await seedAccount(gw);
      api = fullsmsClient(gw);
      await gw.gateway.store.fullsms.contacts.add(seed.listId, ["+447700900123", "+447700900456"], Date.now());
    });
    after(() => gw.stop());

    it("GET /account/balance answers the seed's example shape, the balance in currency units", async () => {
      const res = await api.get("/account/balance");
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { balance: 100 });
      await gw.gateway.store.accounts.adjustBalance(gw.accountId, -250_000, Date.now());
      assert.deepEqual((await api.get("/account/balance")).body, { balance: 99.75 });
      await gw.gateway.store.accounts.adjustBalance(gw.accountId, 250_000, Date.now());
    });

    it("GET /account/numbers answers the seed's example: digits without '+', and the country", async () => {
      const res = await api.get("/account/numbers");
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { total_numbers: 1, numbers: [{ number: "441111111111", country: "GB" }] });
    });

    it("GET /account/lists answers the seed's shape with the subscribed contacts of each list", async () => {
      const res = await api.get("/account/lists");
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, {
        total_lists: 1,
        lists: [{ list_id: seed.listId, name: "yourlistName", subscribe_word: null, subscribed_contacts: 2 }],
      });
    });

    it("counts only subscribed, not opted-out contacts", async () => {
      const { fullsms } = gw.gateway.store;
      const list = await fullsms.lists.create(gw.accountId, "counted", "JOIN", Date.now());
      await fullsms.contacts.add(list.id, germanMobiles(5), Date.now());
      await fullsms.contacts.optOut(gw.accountId, germanMobiles(1)[0]!, Date.now());
      const res = await api.get("/account/lists");
      assert.equal(res.body.total_lists, 2);
      assert.deepEqual(res.body.lists[1], { list_id: list.id, name: "counted", subscribe_word: "JOIN", subscribed_contacts: 4 });
    });

    it("GET /account/senderids lists approved sender IDs only", async () => {
      await requestSenderId(gw.gateway.deps, gw.accountId, "PENDING1");
      const res = await api.get("/account/senderids");
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { total_senderids: 1, senderids: ["COPERATO"] });
    });

    it("GET /account/templates answers the seed's example shape", async () => {
      const res = await api.get("/account/templates");
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, {
        total_templates: 1,
        templates: [{ template_id: seed.templateId, name: "yourTemplateName", content: "Hello World" }],
      });
    });

    it("answers every endpoint with the seed's 403 Authentication body for a missing, malformed or wrong token", async () => {
      const [keyId] = gw.token.split(":");
      for (const endpoint of ENDPOINTS) {
        const attempts: Record<string, string>[] = [
          {},
          { Authorization: "Bearer" },
          { Authorization: "Bearer nonsense" },
          { Authorization: `Bearer ${keyId}|wrongsecretwrongsecret` },
          { Authorization: `Basic ${Buffer.from("a:b").toString("base64")}` },
        ];
        for (const headers of attempts) {
          const res = await http(gw.url, "GET", `/account/${endpoint}`, { headers });
          assert.equal(res.status, 403, `${endpoint} ${JSON.stringify(headers)}`);
          assert.deepEqual(res.body, UNAUTHENTICATED);
        }
      }
    });

    it("answers the seed's 403 Authorization body (Access Denied) when the account is disabled", async () => {
      const other = await gw.newAccount();
      await gw.gateway.store.accounts.update(other.accountId, { status: "disabled" });
      for (const endpoint of ENDPOINTS) {
        const res = await http(gw.url, "GET", `/account/${endpoint}`, { headers: bearer(other.token) });
        assert.equal(res.status, 403);
        assert.deepEqual(res.body, ACCESS_DENIED);
      }
    });

    it("shows each account only its own numbers, lists, sender IDs and templates", async () => {
      const other = await gw.newAccount({ balance: 7 });
      const mine = fullsmsClient(gw, other.token);
      assert.deepEqual((await mine.get("/account/balance")).body, { balance: 7 });
      assert.deepEqual((await mine.get("/account/numbers")).body, { total_numbers: 0, numbers: [] });
      assert.deepEqual((await mine.get("/account/lists")).body, { total_lists: 0, lists: [] });
      assert.deepEqual((await mine.get("/account/senderids")).body, { total_senderids: 0, senderids: [] });
      assert.deepEqual((await mine.get("/account/templates")).body, { total_templates: 0, templates: [] });
      const otherSeed = await seedAccount(gw, other.accountId, "441111112222");
      const lists = (await mine.get("/account/lists")).body;
      assert.deepEqual(lists.lists.map((l: { list_id: number }) => l.list_id), [otherSeed.listId]);
      assert.equal((await api.get("/account/templates")).body.total_templates, 1);
    });

    it("answers an unknown FullSMS route with a 404 body", async () => {
      const res = await api.get("/account/nothing-here");
      assert.equal(res.status, 404);
      assert.equal(res.body.status_code, 404);
    });

    it("answers an unexpected failure with the seed's bare 500 body and no stack", async () => {
      const numbers = gw.gateway.store.fullsms.numbers;
      const original = numbers.list;
      numbers.list = async () => {
        throw new Error("disk on fire at /secret/path");
      };
      try {
        const res = await api.get("/account/numbers");
        assert.equal(res.status, 500);
        assert.deepEqual(res.body, INTERNAL);
        assert.doesNotMatch(res.text, /secret|fire|at /);
      } finally {
        numbers.list = original;
      }
    });
  });
}
