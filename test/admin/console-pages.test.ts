/**
 * The console's forms over plain HTTP against a real gateway and store: prices (one, and a CSV with a bad
 * row), message search, key revocation (the API then refuses it), services, and cancelling a scheduled
 * campaign (its messages cancelled and refunded).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createOperator } from "../../src/app/admin/operators.js";
import { campaignsIdle } from "../../src/app/fullsms/campaign-runner.js";
import { createKey } from "../../src/app/manage-accounts.js";
import { type ConsoleClient, consoleLogin } from "../helpers/console.js";
import { http, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";

for (const target of storeTargets) {
  describe(`console pages (${target.name})`, { skip: target.skip }, () => {
    let gw: TestGateway;
    let ops: ConsoleClient;
    const flash = (res: Response) =>
      decodeURIComponent((res.headers.get("location") ?? "").replace(/\+/g, " "));

    before(async () => {
      gw = await startTestGateway(target);
      const { password } = await createOperator(gw.gateway.deps, "ops");
      ops = await consoleLogin(gw.gateway.adminUrl!, "ops", password);
    });
    after(() => gw?.stop());

    it("sets a price and imports a CSV, reporting the bad rows and applying the good ones", async () => {
      assert.match(flash(await ops.post("/prices", { iso2: "at", price: "0.061" })), /AT: 0\.061/);
      const res = await ops.post("/prices/import", {
        csv: "country,price\nDE,0.056\nXX1,0.1\nFR,abc\nPL,0.03\n",
      });
      assert.match(flash(res), /Imported 2/);
      assert.match(flash(res), /line 3/);
      assert.match(flash(res), /line 4/);
      const prices = Object.fromEntries(
        (await gw.gateway.store.prices.list()).map((p) => [p.iso2, p.pricePerPartMicros]),
      );
      assert.deepEqual(prices, { AT: 61_000, DE: 56_000, PL: 30_000 });
      const page = await (await ops.get("/prices")).text();
      assert.match(page, /3 countries/);
      assert.match(flash(await ops.post("/prices", { iso2: "Germany", price: "1" })), /error=.*ISO 3166/);
    });

    it("finds messages by phone, account and status, and shows one message's page", async () => {
      const headers = { "X-LOX24-AUTH-TOKEN": gw.token, Accept: "application/json" };
      const sent = await http(gw.url, "POST", "/sms", {
        body: { sender_id: "Starling", phone: "+491701111222", text: "findme" },
        headers,
      });
      assert.equal(sent.status, 201);
      const other = await gw.newAccount();
      await http(gw.url, "POST", "/sms", {
        body: { sender_id: "Starling", phone: "+491709999888", text: "other" },
        headers: { ...headers, "X-LOX24-AUTH-TOKEN": other.token },
      });
      const byPhone = await (await ops.get("/messages?phone=1701111222")).text();
      assert.match(byPhone, new RegExp(sent.body.uuid.slice(0, 13)));
      assert.doesNotMatch(byPhone, /491709999888/);
      const byAccount = await (await ops.get(`/messages?account=${other.accountId}`)).text();
      assert.match(byAccount, /491709999888/);
      assert.doesNotMatch(byAccount, /491701111222/);
      assert.doesNotMatch(await (await ops.get("/messages?status=delivered")).text(), /491701111222/);
      const detail = await (await ops.get(`/messages/${sent.body.uuid}`)).text();
      assert.match(detail, /findme/);
      assert.match(detail, /accepted/);
      assert.equal((await ops.get("/messages/0190a0b0-0000-7000-8000-000000000000")).status, 404);
    });

    it("escapes what customers wrote (no markup from a message text reaches the page)", async () => {
      const headers = { "X-LOX24-AUTH-TOKEN": gw.token, Accept: "application/json" };
      const sent = await http(gw.url, "POST", "/sms", {
        body: { sender_id: "Starling", phone: "+491701111223", text: '<script>alert("x")</script>' },
        headers,
      });
      const page = await (await ops.get(`/messages/${sent.body.uuid}`)).text();
      assert.doesNotMatch(page, /<script>alert/);
      assert.match(page, /&lt;script&gt;alert/);
    });

    it("revokes a key (the API refuses it next) and changes services", async () => {
      const { key, token } = await createKey(gw.gateway.deps, gw.accountId);
      const me = () => http(gw.url, "GET", "/me", { headers: { "X-LOX24-AUTH-TOKEN": token } });
      assert.equal((await me()).status, 200);
      assert.match(flash(await ops.post(`/accounts/${gw.accountId}/keys/${key.id}/revoke`, {})), /revoked/);
      assert.equal((await me()).status, 401);
      const foreign = await gw.newAccount();
      // Another account's key through this account's form is not found, and stays active.
      assert.match(
        flash(await ops.post(`/accounts/${gw.accountId}/keys/${foreign.keyId}/revoke`, {})),
        /error=/,
      );
      assert.equal(
        (await http(gw.url, "GET", "/me", { headers: { "X-LOX24-AUTH-TOKEN": foreign.token } })).status,
        200,
      );
      assert.match(
        flash(await ops.post(`/accounts/${gw.accountId}/services`, { services: "fax" })),
        /error=.*unknown service/,
      );
      assert.deepEqual((await gw.gateway.store.accounts.get(gw.accountId))?.services, ["direct"]);
      assert.match(
        flash(await ops.post(`/accounts/${gw.accountId}/services`, { services: "text2speech" })),
        /ok=Services saved/,
      );
      assert.deepEqual((await gw.gateway.store.accounts.get(gw.accountId))?.services, ["text2speech"]);
      assert.match(
        flash(await ops.post(`/accounts/${gw.accountId}/services`, { services: "direct" })),
        /ok=Services saved/,
      );
    });

    it("cancels a scheduled campaign: its messages are cancelled and refunded", async () => {
      const bearer = { Authorization: `Bearer ${gw.token.replace(":", "|")}` };
      await gw.gateway.store.fullsms.senderIds
        .request(gw.accountId, "Shop", Date.now())
        .then((s) => gw.gateway.store.fullsms.senderIds.decide(s.id, "approved", Date.now()));
      const before = (await gw.gateway.store.accounts.get(gw.accountId))!.balanceMicros;
      const res = await http(gw.url, "POST", "/messages/send/to_numbers", {
        body: {
          to_numbers: ["491701230001", "491701230002", "491701230003"],
          from: "Shop",
          message: "Sale",
          send_at: "2030-01-01 08:00:00",
        },
        headers: bearer,
      });
      assert.equal(res.status, 200, res.text);
      await campaignsIdle(gw.gateway.deps);
      const [campaign] = await gw.gateway.store.operator.recentCampaigns(1);
      assert.ok(campaign);
      assert.ok((await gw.gateway.store.accounts.get(gw.accountId))!.balanceMicros < before);
      assert.match(await (await ops.get("/campaigns")).text(), new RegExp(campaign.id.slice(0, 13)));
      assert.match(flash(await ops.post(`/campaigns/${campaign.id}/cancel`, {})), /3 message/);
      const { items } = await gw.gateway.store.messages.list(gw.accountId, {
        page: 1,
        perPage: 10,
        order: "asc",
        bulkId: campaign.id,
      });
      assert.deepEqual(
        items.map((m) => m.statusCode),
        [6000, 6000, 6000],
      );
      assert.equal((await gw.gateway.store.accounts.get(gw.accountId))!.balanceMicros, before);
    });
  });
}
