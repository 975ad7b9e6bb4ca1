/**
 * Races on one OTP, on a real server over every store: whatever the interleaving, an OTP leaves
 * in_progress exactly once, and no wrong code is counted twice.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { storeTargets } from "../helpers/stores.js";
import { mobile, type OtpGateway, startOtpGateway, wrongCode } from "./otp-fixture.js";

const count = <T>(items: T[], pick: (t: T) => boolean) => items.filter(pick).length;

for (const target of storeTargets) {
  describe(`FullSMS OTP races (${target.name})`, { skip: target.skip }, () => {
    let gw: OtpGateway;
    let n = 0;
    /** A fresh account per test, so quotas and limits of one test never touch another. */
    const account = async () => {
      const a = await gw.newAccount();
      await gw.allowSender(a.accountId, "Starling");
      return a;
    };
    const newOtp = async (token: string) => {
      const res = await gw.call("POST", "/otp/create", { to_number: mobile(++n), from: "Starling" }, token);
      assert.equal(res.status, 200, res.text);
      return res.body.otp_id as string;
    };
    const verify = (token: string, otp_id: string, code: unknown) =>
      gw.call("POST", "/otp/verify", { otp_id, code }, token);
    const search = async (token: string, id: string) =>
      (await gw.call("GET", `/otp/search?otp_id=${id}`, undefined, token)).body;

    before(async () => {
      gw = await startOtpGateway(target);
    });
    after(() => gw.stop());

    it("approves exactly one of 100 parallel verifies with the right code", async () => {
      const a = await account();
      const id = await newOtp(a.token);
      const code = await gw.codeOf(id, a.accountId);
      const results = await Promise.all(Array.from({ length: 100 }, () => verify(a.token, id, code)));
      assert.equal(
        count(results, (r) => r.status === 200),
        1,
      );
      assert.equal(
        count(results, (r) => r.status === 422 && r.body.message === "OTP is not active"),
        99,
      );
      const found = await search(a.token, id);
      assert.equal(found.status, "approved");
      assert.deepEqual(
        found.checks.map((c: { status: string }) => c.status),
        ["valid"],
      );
    });

    it("counts exactly three of 100 parallel wrong codes (422), failing the OTP on the third; the rest get 429", async () => {
      const a = await account();
      const id = await newOtp(a.token);
      const wrong = wrongCode(await gw.codeOf(id, a.accountId));
      const results = await Promise.all(Array.from({ length: 100 }, () => verify(a.token, id, wrong)));
      assert.equal(
        count(results, (r) => r.status === 422 && r.body.errors?.code !== undefined),
        3,
      );
      assert.equal(
        count(results, (r) => r.status === 429 && r.body.message === "Wrong code too many times"),
        97,
      );
      const found = await search(a.token, id);
      assert.equal(found.status, "failed");
      assert.equal(found.checks.length, 3);
      assert.equal((await gw.rawOtpRow(id)).attempts, 3);
    });

    it("lets at most one of a right code among parallel wrong ones win, and records a consistent history", async () => {
      const a = await account();
      for (let round = 0; round < 10; round++) {
        const id = await newOtp(a.token);
        const code = await gw.codeOf(id, a.accountId);
        const calls = Array.from({ length: 10 }, (_, i) =>
          verify(a.token, id, i === round ? code : wrongCode(code)),
        );
        const results = await Promise.all(calls);
        const found = await search(a.token, id);
        const approved = count(results, (r) => r.status === 200);
        assert.ok(approved <= 1);
        assert.equal(found.status, approved === 1 ? "approved" : "failed");
        // Every recorded check had a response that says so, and nothing happened after the OTP finished.
        const invalid = count(found.checks, (c: { status: string }) => c.status === "invalid");
        assert.ok(invalid <= 3);
        assert.equal(found.checks.length, invalid + approved);
        if (approved === 1) assert.equal(found.checks.at(-1).status, "valid");
      }
    });

    it("resolves verify against cancel to exactly one winner, every time", async () => {
      const a = await account();
      const winners = { verify: 0, cancel: 0 };
      for (let round = 0; round < 30; round++) {
        const id = await newOtp(a.token);
        const code = await gw.codeOf(id, a.accountId);
        const [v, c] = await Promise.all([
          verify(a.token, id, code),
          gw.call("POST", "/otp/cancel", { otp_id: id }, a.token),
        ]);
        const verified = v.status === 200;
        const cancelled = c.status === 200;
        assert.ok(verified !== cancelled, `round ${round}: verify ${v.status}, cancel ${c.status}`);
        const loser = verified ? c : v;
        assert.deepEqual(
          [loser.status, loser.body],
          [422, { message: "OTP is not active", status_code: 422 }],
        );
        assert.equal((await search(a.token, id)).status, verified ? "approved" : "cancelled");
        winners[verified ? "verify" : "cancel"]++;
      }
      assert.equal(winners.verify + winners.cancel, 30);
    });

    it('resolves many cancels of one OTP to exactly one ["ok"]', async () => {
      const a = await account();
      const id = await newOtp(a.token);
      const results = await Promise.all(
        Array.from({ length: 50 }, () => gw.call("POST", "/otp/cancel", { otp_id: id }, a.token)),
      );
      assert.equal(
        count(results, (r) => r.status === 200),
        1,
      );
      assert.equal(
        count(results, (r) => r.status === 422),
        49,
      );
    });
  });
}
