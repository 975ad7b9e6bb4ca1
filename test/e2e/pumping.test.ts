/**
 * A simulated SMS-pumping burst, over every store: thousands of OTP creates to one premium prefix that
 * nobody verifies, with the gateway's default fraud settings. The OTP conversion guard must contain it
 * within its documented threshold (fraud.otpGuard.minVolume OTPs per prefix and window), while a normal
 * sender's OTPs and messages in the same run, and the attacked account's other prefixes, are untouched.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { COUNTERS } from "../../src/app/counters.js";
import { changeCountries, fraudStatus } from "../../src/app/fraud/settings.js";
import { OTP_PAUSED } from "../../src/app/fraud/guard.js";
import { setOtpLimits } from "../../src/app/otp/settings.js";
import { configSchema } from "../../src/config.js";
import { http } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";
import { mobile, type OtpGateway, startOtpGateway } from "./otp-fixture.js";

/** The shipped defaults, not the load-test thresholds the other suites use. */
const DEFAULT_FRAUD = configSchema.parse({}).fraud;
const BURST = 3000;
const CONCURRENCY = 25;
const premium = (i: number) => `+88213${String(100_000 + i).padStart(6, "0")}`;

async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

for (const target of storeTargets) {
  describe(`SMS pumping burst (${target.name})`, { skip: target.skip }, () => {
    let gw: OtpGateway;

    before(async () => {
      gw = await startOtpGateway(target, { overrides: { fraud: DEFAULT_FRAUD } });
    });
    after(() => gw.stop());

    it(`contains ${BURST} unverified OTP creates to one premium prefix at the threshold; a normal sender is untouched`, async (t) => {
      const deps = gw.gateway.deps;
      const { minVolume } = DEFAULT_FRAUD.otpGuard;
      // The attacked customer sends worldwide and has a generous concurrent-OTP limit (else that limit,
      // not the guard, would stop the burst).
      const victim = await gw.newAccount({ balance: 10_000 });
      await gw.allowSender(victim.accountId, "Shop");
      await changeCountries(deps, DEFAULT_FRAUD, victim.accountId, { set: ["*"] });
      await setOtpLimits(deps, victim.accountId, { maxActive: 100_000 });
      const normal = await gw.newAccount();
      await gw.allowSender(normal.accountId, "Bank");
      const balanceBefore = (await gw.gateway.store.accounts.get(victim.accountId))!.balanceMicros;

      const statuses = new Map<number, number>();
      let pausedBody: unknown;
      const started = Date.now();
      const burst = pool(BURST, CONCURRENCY, async (i) => {
        const res = await gw.call(
          "POST",
          "/otp/create",
          { to_number: premium(i), from: "Shop" },
          victim.token,
        );
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 429) pausedBody ??= res.body;
      });

      // Meanwhile a normal sender: OTPs its users verify, and ordinary messages.
      let normalOtps = 0;
      let normalSms = 0;
      const sender = (async () => {
        for (let i = 0; i < 60; i++) {
          const created = await gw.call(
            "POST",
            "/otp/create",
            { to_number: mobile(i), from: "Bank" },
            normal.token,
          );
          assert.equal(created.status, 200, JSON.stringify(created.body));
          const code = await gw.codeOf(created.body.otp_id, normal.accountId);
          const verified = await gw.call(
            "POST",
            "/otp/verify",
            { otp_id: created.body.otp_id, code },
            normal.token,
          );
          assert.equal(verified.status, 200);
          normalOtps++;
          const sms = await http(gw.url, "POST", "/sms", {
            body: { sender_id: "Bank", phone: mobile(1000 + i), text: "Your statement is ready" },
            headers: { "X-LOX24-AUTH-TOKEN": normal.token },
          });
          assert.equal(sms.status, 201);
          normalSms++;
        }
      })();
      await Promise.all([burst, sender]);
      const seconds = (Date.now() - started) / 1000;

      const sent = statuses.get(200) ?? 0;
      const refused = statuses.get(429) ?? 0;
      t.diagnostic(
        `burst of ${BURST} OTP creates to +88213… in ${seconds.toFixed(1)} s: ${sent} sent, ${refused} refused; ` +
          `normal sender: ${normalOtps} OTPs verified, ${normalSms} SMS, none refused`,
      );
      assert.equal(sent, minVolume, "exactly the threshold got through");
      assert.equal(refused, BURST - minVolume);
      assert.deepEqual(pausedBody, { message: OTP_PAUSED, code: 429, status_code: 429 });

      // What reached the queue and the bill: the threshold's messages and nothing more.
      const stored = await gw.gateway.store.messages.list(victim.accountId, {
        page: 1,
        perPage: 1,
        order: "asc",
      });
      assert.equal(stored.total, minVolume);
      const balanceAfter = (await gw.gateway.store.accounts.get(victim.accountId))!.balanceMicros;
      const price = (
        await gw.gateway.store.messages.list(victim.accountId, { page: 1, perPage: 1, order: "asc" })
      ).items[0]!.priceMicros;
      assert.equal(balanceBefore - balanceAfter, minVolume * price);
      assert.equal(
        deps.counters!.get(COUNTERS.fraudRefusals, { rule: "otp_conversion", account_id: victim.accountId }),
        BURST - minVolume,
      );

      // The attacked account's OTPs to other ranges still go; the operator sees why the prefix is paused.
      const elsewhere = await gw.call(
        "POST",
        "/otp/create",
        { to_number: mobile(5000), from: "Shop" },
        victim.token,
      );
      assert.equal(elsewhere.status, 200);
      await deps.fraud!.events.flush();
      const status = await fraudStatus(deps, DEFAULT_FRAUD, victim.accountId);
      const row = status.otpPrefixes.find((p) => p.prefix === "88213");
      assert.deepEqual(row && [row.created, row.verified, row.paused], [minVolume, 0, true]);
      assert.equal(status.refusals.find((r) => r.rule === "otp_conversion")?.count, BURST - minVolume);
    });
  });

  describe(`OTP conversion guard in hold mode (${target.name})`, { skip: target.skip }, () => {
    let gw: OtpGateway;

    before(async () => {
      gw = await startOtpGateway(target, {
        overrides: {
          "fraud.otpGuard": { windowSeconds: 3600, minVolume: 5, minConversion: 0.5, action: "hold" },
        },
      });
      await gw.allowSender(gw.accountId, "Shop");
    });
    after(() => gw.stop());

    it("answers as usual but neither sends nor charges the held OTPs' SMS", async () => {
      const state = async () => ({
        balance: (await gw.gateway.store.accounts.get(gw.accountId))!.balanceMicros,
        messages: (await gw.gateway.store.messages.list(gw.accountId, { page: 1, perPage: 1, order: "asc" }))
          .total,
      });
      for (let i = 0; i < 5; i++) {
        assert.equal(
          (await gw.call("POST", "/otp/create", { to_number: mobile(i), from: "Shop" })).status,
          200,
        );
      }
      const before = await state();
      const held = await gw.call("POST", "/otp/create", { to_number: mobile(10), from: "Shop" });
      assert.equal(held.status, 200);
      assert.equal(held.body.otp_status, "in_progress");
      assert.deepEqual(await state(), before, "no message, no charge");
      const search = await gw.call("GET", `/otp/search?otp_id=${held.body.otp_id}`);
      assert.equal(search.status, 200);
    });

    it("lets a prefix go again once its users verify", async () => {
      // Verify 5 of the first OTPs' codes: 5 of 6 verified is above 50%.
      const otps = await gw.gateway.store.fraud.otpConversion(gw.accountId, "49170", 0);
      assert.equal(otps.created, 6);
      const rows = await gw.rawRows("otps", "account_id", String(gw.accountId));
      const sentOnes = rows.filter((r) => r.phone !== mobile(10));
      for (const r of sentOnes) {
        const code = await gw.codeOf(String(r.id));
        assert.equal((await gw.call("POST", "/otp/verify", { otp_id: r.id, code })).status, 200);
      }
      // A paused verdict is reused for 2 s before the conversion is counted again.
      gw.clock.advance(2000);
      const before = (
        await gw.gateway.store.messages.list(gw.accountId, { page: 1, perPage: 1, order: "asc" })
      ).total;
      assert.equal(
        (await gw.call("POST", "/otp/create", { to_number: mobile(11), from: "Shop" })).status,
        200,
      );
      const afterCount = (
        await gw.gateway.store.messages.list(gw.accountId, { page: 1, perPage: 1, order: "asc" })
      ).total;
      assert.equal(afterCount, before + 1, "sent again");
    });
  });
}
