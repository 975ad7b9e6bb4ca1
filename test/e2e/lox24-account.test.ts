/** LOX24 auth, money, collection, cancellation and dry run on a real server, over every store. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { http, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";
import { openStore } from "../../src/store/open.js";

const sms = (phone = "+14155552671", text = "hello") => ({ text, sender_id: "Starling", phone });

for (const target of storeTargets) {
  describe(`LOX24 auth, balance and collections (${target.name})`, { skip: target.skip }, () => {
    let gw: TestGateway;
    before(async () => {
      gw = await startTestGateway(target, { overrides: { "pricing.defaultPricePerPart": 0.05 } });
    });
    after(() => gw.stop());

    it("accepts the legacy X-LOX24-CLIENT-ID + secret form and rejects bad tokens with 401", async () => {
      const [keyId, secret] = gw.token.split(":");
      const legacy = await http(gw.url, "GET", "/me", { headers: { "X-LOX24-CLIENT-ID": keyId!, "X-LOX24-AUTH-TOKEN": secret! } });
      assert.equal(legacy.status, 200);
      const wrong = await http(gw.url, "GET", "/me", { headers: { "X-LOX24-AUTH-TOKEN": `${keyId}:wrongsecretwrongsecret` } });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.detail, "Client ID or API key isn't active or invalid!");
    });

    it("blocks an address after more than 3 bad credentials in a minute, with Retry-After", async () => {
      // A second gateway, so this block does not affect the other tests.
      const own = await startTestGateway(target);
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 5; i++) {
          const res = await http(own.url, "GET", "/me", { headers: { "X-LOX24-AUTH-TOKEN": `1:bad-secret-${i}-xxxxxx` } });
          statuses.push(res.status);
        }
        assert.deepEqual(statuses, [401, 401, 401, 401, 429]);
        const blocked = await http(own.url, "GET", "/me", { headers: { "X-LOX24-AUTH-TOKEN": own.token } });
        assert.equal(blocked.status, 429);
        assert.ok(Number(blocked.headers.get("retry-after")) > 590);
        assert.match(blocked.body.detail, /temporary blocked/);
      } finally {
        await own.stop();
      }
    });

    it("GET /me shows balance and currency; a send debits price × parts", async () => {
      const before = await http(gw.url, "GET", "/me", { headers: { "X-LOX24-AUTH-TOKEN": gw.token, Accept: "application/json" } });
      assert.equal(before.body.currency, "EUR");
      assert.equal(before.body.balance_amount, 100);
      assert.deepEqual(before.body.services, ["direct"]);
      const sent = await http(gw.url, "POST", "/sms", { body: sms("+14155552671", "a".repeat(200)), headers: { "X-LOX24-AUTH-TOKEN": gw.token } });
      assert.equal(sent.body.parts_count, 2);
      assert.equal(sent.body.price, 0.1);
      const afterMe = await http(gw.url, "GET", "/me", { headers: { "X-LOX24-AUTH-TOKEN": gw.token } });
      assert.equal(afterMe.body.balance_amount, 99.9);
      assert.equal(afterMe.body["@id"], "/me");
    });

    it("refuses with 402 and stores nothing when the balance does not cover the price", async () => {
      const poor = await gw.newAccount({ balance: 0.07 });
      const h = { "X-LOX24-AUTH-TOKEN": poor.token };
      const ok = await http(gw.url, "POST", "/sms", { body: sms(), headers: h });
      assert.equal(ok.status, 201);
      const refused = await http(gw.url, "POST", "/sms", { body: sms(), headers: h });
      assert.equal(refused.status, 402);
      assert.equal(refused.body.detail, "There are not enough funds on your account!");
      const list = await http(gw.url, "GET", "/sms", { headers: { ...h, Accept: "application/json" } });
      assert.equal(list.body.length, 1);
      const me = await http(gw.url, "GET", "/me", { headers: h });
      assert.equal(me.body.balance_amount, 0.02);
    });

    it("never overdraws under concurrent sends", async () => {
      const acct = await gw.newAccount({ balance: 1 }); // 20 messages at 0.05
      const h = { "X-LOX24-AUTH-TOKEN": acct.token };
      const results = await Promise.all(
        Array.from({ length: 60 }, () => http(gw.url, "POST", "/sms", { body: sms(), headers: h })),
      );
      const created = results.filter((r) => r.status === 201).length;
      const refused = results.filter((r) => r.status === 402).length;
      assert.equal(created, 20);
      assert.equal(refused, 40);
      const me = await http(gw.url, "GET", "/me", { headers: h });
      assert.equal(me.body.balance_amount, 0);
    });

    it("answers 403 for a disabled account and 401 for a revoked key, from the next request on", async () => {
      // Each token is used first, so a cached authentication would be the one answering afterwards.
      const acct = await gw.newAccount();
      const me = (token: string) => http(gw.url, "GET", "/me", { headers: { "X-LOX24-AUTH-TOKEN": token } });
      assert.equal((await me(acct.token)).status, 200);
      await gw.gateway.store.accounts.update(acct.accountId, { status: "disabled" });
      const res = await http(gw.url, "POST", "/sms", { body: sms(), headers: { "X-LOX24-AUTH-TOKEN": acct.token } });
      assert.equal(res.status, 403);
      assert.equal(res.body.detail, "Account isn't activated. Please wait or contact to support!");
      const other = await gw.newAccount();
      assert.equal((await me(other.token)).status, 200);
      await gw.gateway.store.keys.revoke(other.keyId, Date.now());
      assert.equal((await me(other.token)).status, 401);
    });

    it("sees keys revoked and accounts disabled by another process (the CLI's own connection)", async () => {
      const acct = await gw.newAccount();
      const me = (token: string) => http(gw.url, "GET", "/me", { headers: { "X-LOX24-AUTH-TOKEN": token } });
      assert.equal((await me(acct.token)).status, 200);
      const cli = await openStore(gw.gateway.config.database.url);
      try {
        await cli.accounts.update(acct.accountId, { status: "disabled" });
        assert.equal((await me(acct.token)).status, 403);
        await cli.accounts.update(acct.accountId, { status: "active" });
        assert.equal((await me(acct.token)).status, 200);
        await cli.keys.revoke(acct.keyId, Date.now());
        assert.equal((await me(acct.token)).status, 401);
      } finally {
        await cli.close();
      }
    });

    it("shows the balance as it is after each send, not as it was when the key was first used", async () => {
      const acct = await gw.newAccount({ balance: 1 });
      const h = { "X-LOX24-AUTH-TOKEN": acct.token };
      assert.equal((await http(gw.url, "GET", "/me", { headers: h })).body.balance_amount, 1);
      assert.equal((await http(gw.url, "POST", "/sms", { body: sms(), headers: h })).status, 201);
      assert.equal((await http(gw.url, "GET", "/me", { headers: h })).body.balance_amount, 0.95);
      const cli = await openStore(gw.gateway.config.database.url);
      try {
        await cli.accounts.adjustBalance(acct.accountId, 2_000_000, Date.now());
      } finally {
        await cli.close();
      }
      assert.equal((await http(gw.url, "GET", "/me", { headers: h })).body.balance_amount, 2.95);
    });

    it("POST /sms/dryrun answers 201 with parts, characters and price, without storing or charging", async () => {
      const acct = await gw.newAccount({ balance: 5 });
      const h = { "X-LOX24-AUTH-TOKEN": acct.token };
      const dry = await http(gw.url, "POST", "/sms/dryrun", { body: sms("+14155552671", "€".repeat(100)), headers: h });
      // The LOX24 OpenAPI's only success response for the would-be object.
      assert.equal(dry.status, 201);
      assert.equal(dry.body.parts_count, 2); // 200 septets
      assert.equal(dry.body.price, 0.1);
      const list = await http(gw.url, "GET", "/sms", { headers: { ...h, Accept: "application/json" } });
      assert.deepEqual(list.body, []);
      const me = await http(gw.url, "GET", "/me", { headers: h });
      assert.equal(me.body.balance_amount, 5);
      const invalid = await http(gw.url, "POST", "/sms/dryrun", { body: { text: "" }, headers: h });
      assert.equal(invalid.status, 400);
    });

    it("DELETE /sms/{uuid} cancels a scheduled message: 204, status 6000, refund; again → 422", async () => {
      const acct = await gw.newAccount({ balance: 1 });
      const h = { "X-LOX24-AUTH-TOKEN": acct.token };
      const at = Math.floor(Date.now() / 1000) + 3600;
      const created = await http(gw.url, "POST", "/sms", { body: { ...sms(), delivery_at: at }, headers: h });
      const del = await http(gw.url, "DELETE", `/sms/${created.body.uuid}`, { headers: h });
      assert.equal(del.status, 204);
      const got = await http(gw.url, "GET", `/sms/${created.body.uuid}`, { headers: h });
      assert.equal(got.body.status_code, 6000);
      const me = await http(gw.url, "GET", "/me", { headers: h });
      assert.equal(me.body.balance_amount, 1);
      const again = await http(gw.url, "DELETE", `/sms/${created.body.uuid}`, { headers: h });
      assert.equal(again.status, 422);
      const other = await gw.newAccount();
      const foreign = await http(gw.url, "DELETE", `/sms/${created.body.uuid}`, { headers: { "X-LOX24-AUTH-TOKEN": other.token } });
      assert.equal(foreign.status, 404);
    });

    it("GET /sms pages with hydra:view and filters by iso2 and created_at", async () => {
      const acct = await gw.newAccount({ balance: 10 });
      const h = { "X-LOX24-AUTH-TOKEN": acct.token };
      for (let i = 0; i < 5; i++) await http(gw.url, "POST", "/sms", { body: sms("+14155552671", `us ${i}`), headers: h });
      for (let i = 0; i < 3; i++) await http(gw.url, "POST", "/sms", { body: sms("+491701234567", `de ${i}`), headers: h });
      const page1 = await http(gw.url, "GET", "/sms?itemsPerPage=3", { headers: h });
      assert.equal(page1.status, 200);
      assert.equal(page1.body["@type"], "hydra:Collection");
      assert.equal(page1.body["hydra:totalItems"], 8);
      assert.equal(page1.body["hydra:member"].length, 3);
      assert.equal(page1.body["hydra:view"]["hydra:last"], "/sms?itemsPerPage=3&page=3");
      assert.equal(page1.body["hydra:view"]["hydra:next"], "/sms?itemsPerPage=3&page=2");
      assert.equal(page1.body["hydra:view"]["hydra:previous"], undefined);
      const page3 = await http(gw.url, "GET", "/sms?itemsPerPage=3&page=3", { headers: h });
      assert.equal(page3.body["hydra:member"].length, 2);
      assert.equal(page3.body["hydra:view"]["hydra:previous"], "/sms?itemsPerPage=3&page=2");
      const de = await http(gw.url, "GET", "/sms?iso2[]=DE", { headers: { ...h, Accept: "application/json" } });
      assert.equal(de.body.length, 3);
      assert.ok(de.body.every((m: { iso2: string }) => m.iso2 === "DE"));
      const asc = await http(gw.url, "GET", "/sms?_order[created_at]=asc", { headers: { ...h, Accept: "application/json" } });
      assert.equal(asc.body[0].text, "us 0");
      const now = Math.floor(Date.now() / 1000);
      const window = await http(gw.url, "GET", `/sms?created_at[between]=${now - 60}..${now + 60}`, {
        headers: { ...h, Accept: "application/json" },
      });
      assert.equal(window.body.length, 8);
      const future = await http(gw.url, "GET", `/sms?created_at[gt]=${now + 60}`, { headers: { ...h, Accept: "application/json" } });
      assert.equal(future.body.length, 0);
      const bad = await http(gw.url, "GET", "/sms?page=0", { headers: h });
      assert.equal(bad.status, 400);
      const otherAcct = await gw.newAccount();
      const isolated = await http(gw.url, "GET", "/sms", { headers: { "X-LOX24-AUTH-TOKEN": otherAcct.token } });
      assert.equal(isolated.body["hydra:totalItems"], 0);
    });

    it("GET /sms filters by uuid, partial text and partial phone, in every array spelling PHP sends", async () => {
      const acct = await gw.newAccount({ balance: 10 });
      const h = { "X-LOX24-AUTH-TOKEN": acct.token, Accept: "application/json" };
      const sent: Record<string, { uuid: string }> = {};
      for (const [name, phone, text] of [
        ["us", "+14155552671", "Your order 100% shipped"],
        ["us2", "+14155550000", "Order_7 delayed"],
        ["de", "+491701234567", "Hallo Welt"],
        ["at", "+436641234567", "Servus WELT"],
      ] as const) {
        sent[name] = (await http(gw.url, "POST", "/sms", { body: sms(phone, text), headers: h })).body;
      }
      const get = async (query: string) => {
        const res = await http(gw.url, "GET", `/sms?${query}`, { headers: h });
        assert.equal(res.status, 200, `${query}: ${res.text}`);
        return (res.body as { text: string }[]).map((m) => m.text).sort();
      };
      const q = encodeURIComponent;
      assert.deepEqual(await get(`uuid=${sent.de!.uuid}`), ["Hallo Welt"]);
      assert.deepEqual(await get(`uuid[]=${sent.de!.uuid}&uuid[]=${sent.at!.uuid}`), ["Hallo Welt", "Servus WELT"]);
      // PHP's http_build_query(['uuid' => [a, b]]), brackets percent-encoded as PHP sends them.
      assert.deepEqual(await get(`${q("uuid[0]")}=${sent.us!.uuid}&${q("uuid[1]")}=${sent.at!.uuid}`), [
        "Servus WELT",
        "Your order 100% shipped",
      ]);
      assert.deepEqual(await get("iso2[0]=DE&iso2[1]=AT"), ["Hallo Welt", "Servus WELT"]);
      assert.deepEqual(await get(`${q("iso2[0]")}=DE`), ["Hallo Welt"]);
      assert.deepEqual(await get("text=welt"), ["Hallo Welt", "Servus WELT"], "partial and case-insensitive");
      assert.deepEqual(await get(`text=${q("100%")}`), ["Your order 100% shipped"], "% is literal");
      assert.deepEqual(await get("text=order_"), ["Order_7 delayed"], "_ is literal");
      assert.deepEqual(await get("text=nowhere"), []);
      assert.deepEqual(await get("phone=4155552671"), ["Your order 100% shipped"]);
      assert.deepEqual(await get(`phone=${q("+14155552671")}`), ["Your order 100% shipped"]);
      assert.deepEqual(await get("phone=1415555"), ["Order_7 delayed", "Your order 100% shipped"]);
      assert.deepEqual(await get("phone=1415555&iso2[]=DE"), []);
      assert.deepEqual(await get("phone[]=4155552671&phone[]=1701234567"), ["Hallo Welt", "Your order 100% shipped"]);
      const noDigits = await http(gw.url, "GET", "/sms?phone=abc", { headers: h });
      assert.equal(noDigits.status, 400);
      assert.equal(noDigits.body.violations[0].propertyPath, "phone");
      // Filters combine with paging and totals in JSON-LD.
      const ld = await http(gw.url, "GET", "/sms?text=welt&itemsPerPage=1", { headers: { "X-LOX24-AUTH-TOKEN": acct.token } });
      assert.equal(ld.body["hydra:totalItems"], 2);
      assert.equal(ld.body["hydra:member"].length, 1);
      // Another account's uuid is never found.
      const other = await gw.newAccount();
      const foreign = await http(gw.url, "GET", `/sms?uuid=${sent.de!.uuid}`, {
        headers: { "X-LOX24-AUTH-TOKEN": other.token, Accept: "application/json" },
      });
      assert.deepEqual(foreign.body, []);
    });
  });
}
