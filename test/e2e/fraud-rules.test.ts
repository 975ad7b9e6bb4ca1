/**
 * Geo permissions and velocity limits through every dialect and send route, over every store: refusals
 * in each dialect's own shape, nothing stored or charged, counted for metrics and for `fraud status`.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { COUNTERS } from "../../src/app/counters.js";
import { changeCountries } from "../../src/app/fraud/settings.js";
import { GEO_REFUSED } from "../../src/app/fraud/guard.js";
import { setOtpLimits } from "../../src/app/otp/settings.js";
import { utcDay } from "../../src/core/otp.js";
import { bearer, seedAccount } from "../helpers/fullsms.js";
import { http, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";
import { ManualClock } from "./otp-fixture.js";

const GB = "+447400123456";
const PREMIUM = "+88213000123"; // an international network: no country at all

function clients(gw: () => TestGateway) {
  return {
    lox: (phone: string, token = gw().token) =>
      http(gw().url, "POST", "/sms", {
        body: { sender_id: "Starling", phone, text: "hi" },
        headers: { "X-LOX24-AUTH-TOKEN": token, Accept: "application/json" },
      }),
    fullsms: (path: string, body: unknown, token = gw().token) =>
      http(gw().url, "POST", path, { body, headers: { ...bearer(token), Accept: "application/json" } }),
    state: async (accountId = gw().accountId) => ({
      balance: (await gw().gateway.store.accounts.get(accountId))!.balanceMicros,
      messages: (await gw().gateway.store.messages.list(accountId, { page: 1, perPage: 1, order: "asc" }))
        .total,
    }),
    refusals: (rule: string, accountId = gw().accountId) =>
      gw().gateway.deps.counters!.get(COUNTERS.fraudRefusals, { rule, account_id: accountId }),
  };
}

for (const target of storeTargets) {
  describe(`geo permissions (${target.name})`, { skip: target.skip }, () => {
    let gw: TestGateway;
    const c = clients(() => gw);

    before(async () => {
      gw = await startTestGateway(target, { overrides: { "fraud.geo.defaultCountries": ["AT"] } });
      await seedAccount(gw);
    });
    after(() => gw.stop());

    it("LOX24: another country is a 400 violation on phone, and nothing is stored or charged", async () => {
      const before = await c.state();
      const res = await c.lox(GB);
      assert.equal(res.status, 400);
      assert.deepEqual(
        res.body.violations.map((v: any) => [v.propertyPath, v.message]),
        [["phone", GEO_REFUSED]],
      );
      assert.deepEqual(await c.state(), before);
      assert.equal((await c.lox(PREMIUM)).status, 400, "a number without a country is refused too");
      assert.equal((await c.lox("+491701234567")).status, 201, "own country");
      assert.equal((await c.lox("+436641234567")).status, 201, "the gateway's default list");
      assert.equal(c.refusals("geo"), 2);
    });

    it("FullSMS to_numbers: such numbers are reported invalid and the rest is sent; all refused is 422", async () => {
      const before = await c.state();
      const mixed = await c.fullsms("/messages/send/to_numbers", {
        from: "441111111111",
        message: "Sale",
        to_numbers: ["+491701111111", GB, "+491701111112"],
      });
      assert.equal(mixed.status, 200);
      assert.equal(mixed.body.total_sent, 2);
      assert.deepEqual(mixed.body.invalid, { count: 1, numbers: [GB] });
      assert.equal((await c.state()).messages, before.messages + 2);

      const none = await c.fullsms("/messages/send/to_numbers", {
        from: "441111111111",
        message: "x",
        to_numbers: [GB],
      });
      assert.equal(none.status, 422);
      assert.ok(none.body.errors["to_numbers.0"]);
    });

    it("FullSMS otp/create: 422 on to_number with the OTP section's code, no OTP and no charge", async () => {
      const before = await c.state();
      const res = await c.fullsms("/otp/create", { to_number: GB, from: "441111111111" });
      assert.equal(res.status, 422);
      assert.deepEqual(res.body.errors, { to_number: [GEO_REFUSED] });
      assert.equal(res.body.code, 422);
      assert.deepEqual(await c.state(), before);
    });

    it("FullSMS to_lists: contacts in other countries are skipped, the rest is sent", async () => {
      const [list] = await gw.gateway.store.fullsms.lists.list(gw.accountId);
      await gw.gateway.store.fullsms.contacts.add(list!.id, ["+491709999999", GB], Date.now());
      const before = await c.state();
      const res = await c.fullsms("/messages/send/to_lists", {
        from: "441111111111",
        message: "News",
        to_list_ids: [list!.id],
      });
      assert.equal(res.status, 200);
      assert.equal((await c.state()).messages, before.messages + 1);
    });

    it("an operator's change applies at once in this gateway, and refusals are stored per rule and day", async () => {
      const countries = await changeCountries(gw.gateway.deps, gw.gateway.config.fraud, gw.accountId, {
        add: ["GB"],
      });
      assert.deepEqual(countries, ["AT", "DE", "GB"]);
      assert.equal((await c.lox(GB)).status, 201);
      await changeCountries(gw.gateway.deps, gw.gateway.config.fraud, gw.accountId, { set: ["*"] });
      assert.equal((await c.lox(PREMIUM)).status, 201);

      await gw.gateway.deps.fraud!.events.flush();
      const stored = await gw.gateway.store.fraud.refusals(gw.accountId, utcDay(Date.now()));
      const geo = stored.find((r) => r.rule === "geo");
      assert.ok(geo && geo.count >= 5, JSON.stringify(stored));
      assert.match(geo.lastDetail, /not in/);
    });
  });

  describe(`velocity limits (${target.name})`, { skip: target.skip }, () => {
    let gw: TestGateway;
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 12));
    const c = clients(() => gw);

    before(async () => {
      gw = await startTestGateway(target, {
        clock,
        overrides: {
          "fraud.velocity.account": { limit: 8, windowSeconds: 60 },
          "fraud.velocity.prefix": { limit: 4, windowSeconds: 60 },
        },
      });
      await seedAccount(gw);
      await setOtpLimits(gw.gateway.deps, gw.accountId, { maxActive: 1000 });
    });
    after(() => gw.stop());

    it("LOX24: over the prefix limit is 429 with Retry-After; another prefix still goes", async () => {
      for (let i = 0; i < 4; i++) assert.equal((await c.lox(`+4917010000${10 + i}`)).status, 201);
      const before = await c.state();
      const res = await c.lox("+491701000020");
      assert.equal(res.status, 429);
      assert.match(res.body.detail, /\+49170/);
      assert.ok(Number(res.headers.get("retry-after")) >= 1);
      assert.deepEqual(await c.state(), before, "nothing stored or charged");
      assert.equal((await c.lox("+4915110000010")).status, 201, "another prefix");
      assert.equal(c.refusals("velocity_prefix"), 1);
    });

    it("FullSMS: a single to_numbers send and otp/create are 429 in FullSMS's shape on a full prefix", async () => {
      const single = await c.fullsms("/messages/send/to_numbers", {
        from: "441111111111",
        message: "x",
        to_numbers: ["+491701000030"],
      });
      assert.equal(single.status, 429);
      assert.equal(single.body.status_code, 429);
      assert.match(single.body.message, /\+49170/);
      const otp = await c.fullsms("/otp/create", { to_number: "+491701000031", from: "441111111111" });
      assert.equal(otp.status, 429);
      assert.equal(otp.body.code, 429);
      assert.equal(otp.body.status_code, 429);
      assert.equal(
        await gw.gateway.store.fraud.otpConversion(gw.accountId, "49170", 0).then((s) => s.created),
        0,
      );
    });

    it("campaign (bulk) sends are not counted: they go to the account's own recipients", async () => {
      const res = await c.fullsms("/messages/send/to_numbers", {
        from: "441111111111",
        message: "x",
        to_numbers: ["+491701000040", "+491701000041"],
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.total_sent, 2);
    });

    it("the account-wide limit counts every prefix; another account is untouched; the window slides", async () => {
      // 4 + 1 sent so far in the transactional lane; 3 more fit the account's 8.
      for (const p of ["157", "159", "160"]) assert.equal((await c.lox(`+49${p}10000010`)).status, 201);
      const res = await c.lox("+4917610000010");
      assert.equal(res.status, 429);
      assert.match(res.body.detail, /your account may send 8/);
      assert.equal(c.refusals("velocity_account"), 1);

      const other = await gw.newAccount();
      assert.equal((await c.lox("+491701000050", other.token)).status, 201);

      clock.advance(120_000);
      assert.equal((await c.lox("+491701000051")).status, 201);
    });

    it("Prometheus /metrics on the admin listener shows the refusals per rule and account", async () => {
      const text = await (await fetch(`${gw.gateway.adminUrl}/metrics`)).text();
      const series = (rule: string) =>
        `starling_fraud_refusals_total{rule="${rule}",account_id="${gw.accountId}"} `;
      const value = (rule: string) =>
        Number(
          text
            .split("\n")
            .find((l) => l.startsWith(series(rule)))
            ?.slice(series(rule).length),
        );
      assert.equal(value("velocity_account"), 1);
      assert.equal(value("velocity_prefix"), 3);
    });
  });
}
