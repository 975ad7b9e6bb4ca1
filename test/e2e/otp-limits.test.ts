/** OTP expiry, the 30-second rule, concurrent-OTP limits and the daily verify quota, with a hand-driven clock. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHmac } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { createOtp } from "../../src/app/otp/create-otp.js";
import { setOtpLimits } from "../../src/app/otp/settings.js";
import { storeTargets } from "../helpers/stores.js";
import { mobile, type OtpGateway, startOtpGateway, wrongCode } from "./otp-fixture.js";

const SAME_NUMBER = {
  message:
    "Two active requests to the same number are not allowed. You may try again when 30 seconds has passed from the first OTP verification was created",
  code: 429,
  status_code: 429,
};
const limitBody = (max: number) => ({
  message: `You can create up-to  ${max} concurrent active OTP_IDs`,
  code: 429,
  status_code: 429,
});
const ONE_CREATION = { message: "One Creation", code: 429, status_code: 429 };
const QUOTA = { message: "Maximum verification", code: 429, status_code: 429 };
const NOT_ACTIVE = { message: "OTP is not active", status_code: 422 };
const TTL_MS = 600_000;

for (const target of storeTargets) {
  describe(`FullSMS OTP limits (${target.name})`, { skip: target.skip }, () => {
    let gw: OtpGateway;
    let n = 0;
    const next = () => mobile(++n);
    /** A fresh account allowed to send as "Starling", so each test starts with no OTPs and a full quota. */
    const account = async () => {
      const a = await gw.newAccount();
      await gw.allowSender(a.accountId, "Starling");
      return a;
    };
    const create = (token: string, to: string) =>
      gw.call("POST", "/otp/create", { to_number: to, from: "Starling" }, token);
    const verify = (token: string, otp_id: string, code: unknown) =>
      gw.call("POST", "/otp/verify", { otp_id, code }, token);

    before(async () => {
      gw = await startOtpGateway(target);
    });
    after(() => gw.stop());

    describe("expiry", () => {
      it("keeps an OTP usable until its time-to-live ends, then answers 'not active' and persists expired", async () => {
        const a = await account();
        const id = (await create(a.token, next())).body.otp_id;
        const code = await gw.codeOf(id, a.accountId);
        gw.clock.advance(TTL_MS - 1);
        assert.equal((await verify(a.token, id, wrongCode(code))).status, 422, "still in progress");
        gw.clock.advance(1);
        const res = await verify(a.token, id, code);
        assert.deepEqual([res.status, res.body], [422, NOT_ACTIVE]);
        assert.equal((await gw.rawOtpRow(id)).status, "expired", "persisted, not only computed");
        const found = await gw.call("GET", `/otp/search?otp_id=${id}`, undefined, a.token);
        assert.equal(found.body.status, "expired");
        assert.deepEqual((await gw.call("POST", "/otp/cancel", { otp_id: id }, a.token)).body, NOT_ACTIVE);
      });

      it("marks an unread OTP expired on search", async () => {
        const a = await account();
        const id = (await create(a.token, next())).body.otp_id;
        gw.clock.advance(TTL_MS);
        const found = await gw.call("GET", `/otp/search?otp_id=${id}`, undefined, a.token);
        assert.equal(found.body.status, "expired");
        assert.equal((await gw.rawOtpRow(id)).status, "expired");
      });
    });

    describe("the 30-second rule", () => {
      it("refuses a second OTP to the same number for 30 s while the first is active", async () => {
        const a = await account();
        const to = next();
        assert.equal((await create(a.token, to)).status, 200);
        const res = await create(a.token, to);
        assert.deepEqual([res.status, res.body], [429, SAME_NUMBER]);
        gw.clock.advance(29_999);
        assert.deepEqual((await create(a.token, to)).body, SAME_NUMBER);
        gw.clock.advance(1);
        assert.equal((await create(a.token, to)).status, 200, "30 s after the first, the rule lets go");
        assert.equal((await create(a.token, next())).status, 200, "another number is never affected");
      });

      it("replaces an OTP older than 30 s: the new one is the number's only active OTP", async () => {
        const a = await account();
        const to = next();
        const first = (await create(a.token, to)).body.otp_id;
        const firstCode = await gw.codeOf(first, a.accountId);
        gw.clock.advance(30_000);
        const resent = await create(a.token, to);
        assert.equal(resent.status, 200);
        const second = resent.body.otp_id;
        assert.notEqual(second, first);
        const old = await gw.call("GET", `/otp/search?otp_id=${first}`, undefined, a.token);
        assert.equal(old.body.status, "cancelled", "the older OTP is replaced");
        assert.deepEqual((await verify(a.token, first, firstCode)).body, NOT_ACTIVE);
        assert.deepEqual((await create(a.token, to)).body, SAME_NUMBER, "the 30 s count again from the new one");
        const ok = await verify(a.token, second, await gw.codeOf(second, a.accountId));
        assert.deepEqual([ok.status, ok.body], [200, { status: "approved" }]);
      });

      it("keeps the older OTP when the replacing create cannot be paid", async () => {
        const a = await account();
        const to = next();
        const first = (await create(a.token, to)).body.otp_id;
        gw.clock.advance(30_000);
        const store = gw.gateway.store;
        const { balanceMicros } = (await store.accounts.get(a.accountId))!;
        await store.accounts.adjustBalance(a.accountId, -balanceMicros, gw.clock.now());
        const refused = await create(a.token, to);
        assert.equal(refused.status, 422);
        assert.equal(refused.body.reason, "balance_low");
        const ok = await verify(a.token, first, await gw.codeOf(first, a.accountId));
        assert.deepEqual([ok.status, ok.body], [200, { status: "approved" }], "the first OTP still works");
      });

      it("answers 'One Creation' to a create while another create to the same number is still being made", async () => {
        const a = await account();
        const to = next();
        const deps = gw.gateway.deps;
        const store = deps.store;
        // Hold the first create where its SMS is being stored: its OTP is reserved, its message not yet.
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        let reached!: () => void;
        const storing = new Promise<void>((resolve) => (reached = resolve));
        const held = {
          ...deps,
          store: {
            ...store,
            messages: {
              ...store.messages,
              accept: async (batch: Parameters<typeof store.messages.accept>[0]) => {
                reached();
                await gate;
                return store.messages.accept(batch);
              },
            },
          },
        };
        const profile = (await store.accounts.get(a.accountId))!;
        const first = createOtp(held, { account: profile, keyId: a.keyId, toNumber: to, from: "Starling", brand: undefined, ip: null });
        await storing;
        const second = await create(a.token, to);
        assert.deepEqual([second.status, second.body], [429, ONE_CREATION]);
        assert.equal((await create(a.token, next())).status, 200, "another number is not held up");
        release();
        const otp = await first;
        assert.equal(otp.status, "in_progress");
        assert.deepEqual((await create(a.token, to)).body, SAME_NUMBER, "once made, the 30-second rule applies");
        gw.clock.advance(30_000);
        assert.equal((await create(a.token, to)).status, 200);
      });

      it("does not apply once the first OTP is approved or cancelled, nor across accounts", async () => {
        const a = await account();
        const approvedTo = next();
        const first = (await create(a.token, approvedTo)).body.otp_id;
        await verify(a.token, first, await gw.codeOf(first, a.accountId));
        assert.equal((await create(a.token, approvedTo)).status, 200);

        const cancelledTo = next();
        const second = (await create(a.token, cancelledTo)).body.otp_id;
        await gw.call("POST", "/otp/cancel", { otp_id: second }, a.token);
        assert.equal((await create(a.token, cancelledTo)).status, 200);

        const b = await account();
        assert.equal((await create(b.token, cancelledTo)).status, 200, "another tenant's OTP does not block");
      });
    });

    describe("concurrent active OTPs", () => {
      it("allows 10 by default and answers the seed's 429 with the real number for the 11th", async () => {
        const a = await account();
        const ids: string[] = [];
        for (let i = 0; i < 10; i++) {
          const res = await create(a.token, next());
          assert.equal(res.status, 200, res.text);
          ids.push(res.body.otp_id);
        }
        const res = await create(a.token, next());
        assert.deepEqual([res.status, res.body], [429, limitBody(10)]);
        await gw.call("POST", "/otp/cancel", { otp_id: ids[0] }, a.token);
        assert.equal((await create(a.token, next())).status, 200, "a finished OTP frees its slot");
        gw.clock.advance(TTL_MS);
        for (let i = 0; i < 10; i++)
          assert.equal((await create(a.token, next())).status, 200, "expired ones too");
      });

      it("uses the account's own limit, also when creates race for the last slots", async () => {
        const a = await account();
        await setOtpLimits(gw.gateway.deps, a.accountId, { maxActive: 5 });
        const results = await Promise.all(Array.from({ length: 20 }, () => create(a.token, next())));
        const statuses = results.map((r) => r.status);
        assert.equal(statuses.filter((s) => s === 200).length, 5);
        assert.equal(statuses.filter((s) => s === 429).length, 15);
        for (const r of results.filter((r) => r.status === 429)) assert.deepEqual(r.body, limitBody(5));
      });
    });

    describe("daily verification quota", () => {
      it("answers the seed's 429 'Maximum verification' past the quota, until the next UTC day", async () => {
        const a = await account();
        await setOtpLimits(gw.gateway.deps, a.accountId, { dailyQuota: 3 });
        const id = (await create(a.token, next())).body.otp_id;
        const code = await gw.codeOf(id, a.accountId);
        assert.equal((await verify(a.token, id, wrongCode(code))).status, 422);
        assert.equal(
          (await verify(a.token, "6a68fb58-9f58-450e-bf06-d5008977116a", code)).status,
          404,
          "counts too",
        );
        assert.equal((await verify(a.token, id, wrongCode(code))).status, 422);
        const res = await verify(a.token, id, code);
        assert.deepEqual([res.status, res.body], [429, QUOTA]);
        const found = await gw.call("GET", `/otp/search?otp_id=${id}`, undefined, a.token);
        assert.equal(found.body.checks.length, 2, "a refused call checks nothing");

        const now = new Date(gw.clock.t);
        gw.clock.t = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
        // The OTP itself expired overnight; a new one verifies under the new day's quota.
        const fresh = (await create(a.token, next())).body.otp_id;
        assert.equal((await verify(a.token, fresh, await gw.codeOf(fresh, a.accountId))).status, 200);
      });

      it("gives every account 1000 verify calls a day by default", async () => {
        const a = await account();
        const limits = await gw.gateway.store.otp.getLimits(a.accountId);
        assert.deepEqual(limits, {});
        const day = new Date(gw.clock.t).toISOString().slice(0, 10);
        for (let i = 0; i < 999; i++) await gw.gateway.store.otp.takeVerifyQuota(a.accountId, day, 1000);
        const id = (await create(a.token, next())).body.otp_id;
        assert.equal((await verify(a.token, id, await gw.codeOf(id, a.accountId))).status, 200, "the 1000th");
        assert.deepEqual((await verify(a.token, id, 123456)).body, QUOTA, "the 1001st");
      });
    });

    describe("operator CLI", () => {
      it("sets and shows an account's limits with `starling otp limits`", async () => {
        const a = await account();
        const cli = (...args: string[]) =>
          promisify(execFile)(
            process.execPath,
            ["--import", "tsx", "src/cli/index.ts", "otp", "limits", ...args],
            {
              env: { ...process.env, STARLING_DATABASE_URL: gw.gateway.config.database.url },
            },
          );
        const set = await cli(String(a.accountId), "--max-active", "2", "--daily-quota", "7", "--json");
        assert.deepEqual(JSON.parse(set.stdout), { account_id: a.accountId, max_active: 2, daily_quota: 7 });
        const shown = await cli(String(a.accountId), "--json");
        assert.deepEqual(JSON.parse(shown.stdout), {
          account_id: a.accountId,
          max_active: 2,
          daily_quota: 7,
        });
        await create(a.token, next());
        await create(a.token, next());
        assert.deepEqual((await create(a.token, next())).body, limitBody(2));
        await assert.rejects(cli(String(a.accountId), "--max-active", "0"), /positive integer/);
      });
    });
  });
}

for (const target of storeTargets) {
  describe(`FullSMS OTP configuration (${target.name})`, { skip: target.skip }, () => {
    const hashKey = "operator-chosen-key-0123456789";
    let gw: OtpGateway;
    before(async () => {
      gw = await startOtpGateway(target, { overrides: { "otp.ttlSeconds": 60, "otp.hashKey": hashKey } });
      await gw.allowSender(gw.accountId, "Starling");
    });
    after(() => gw.stop());

    it("uses the configured time-to-live and hash key", async () => {
      const id = (await gw.call("POST", "/otp/create", { to_number: mobile(1), from: "Starling" })).body
        .otp_id;
      const code = await gw.codeOf(id);
      const expected = createHmac("sha256", hashKey).update(`${id}:${code}`).digest("hex");
      assert.equal((await gw.rawOtpRow(id)).code_hash, expected);
      assert.equal(await gw.gateway.store.settings.get("otp_hash_key"), undefined, "no key generated");
      gw.clock.advance(60_000);
      const res = await gw.call("POST", "/otp/verify", { otp_id: id, code });
      assert.deepEqual([res.status, res.body], [422, NOT_ACTIVE]);
    });
  });
}
