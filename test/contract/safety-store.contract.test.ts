/**
 * The safe-sending store ports on every store: idempotency claims (one winner among concurrent claims,
 * replay, mismatch, in flight, takeover of expired and abandoned keys, release, purge) and the fraud
 * rules' data (settings, refusal counts, OTP conversion buckets).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { openStore } from "../../src/store/open.js";
import type { IdempotencyClaim, Store } from "../../src/store/ports/index.js";
import { storeTargets } from "../helpers/stores.js";

for (const target of storeTargets) {
  describe(`safe-sending store (${target.name})`, { skip: target.skip }, () => {
    let store: Store;
    let accountId: number;
    const T = 1_700_000_000_000;
    const claim = (key: string, over: Partial<IdempotencyClaim> = {}) =>
      store.idempotency.claim({
        accountId,
        key,
        fingerprint: "f1",
        now: T,
        expiresAt: T + 1000,
        abandonedBefore: T - 60_000,
        ...over,
      });
    const answer = { status: 201, contentType: "application/json", body: '{"ok":true}' };

    before(async () => {
      store = await openStore(await target.url());
      accountId = (
        await store.accounts.create(
          { name: "a", country: "DE", currency: "EUR", balanceMicros: 0, webhookSecret: "s" },
          T,
        )
      ).id;
    });
    after(() => store.close());

    it("of 20 concurrent claims of one key exactly one wins; the others see it in flight", async () => {
      const outcomes = await Promise.all(Array.from({ length: 20 }, () => claim("race")));
      assert.equal(outcomes.filter((o) => o.kind === "claimed").length, 1);
      assert.equal(outcomes.filter((o) => o.kind === "in_flight").length, 19);
    });

    it("replays the completed answer, refuses another fingerprint, and keys are per account", async () => {
      assert.deepEqual(await claim("k1"), { kind: "claimed" });
      await store.idempotency.complete(accountId, "k1", answer);
      assert.deepEqual(await claim("k1"), { kind: "replay", response: answer });
      assert.deepEqual(await claim("k1", { fingerprint: "f2" }), { kind: "mismatch" });
      const other = await store.accounts.create(
        { name: "b", country: "DE", currency: "EUR", balanceMicros: 0, webhookSecret: "s" },
        T,
      );
      assert.deepEqual(await claim("k1", { accountId: other.id }), { kind: "claimed" });
    });

    it("an expired key and an abandoned in-flight key are taken over; a released key is free", async () => {
      await claim("old");
      await store.idempotency.complete(accountId, "old", answer);
      assert.deepEqual(await claim("old", { now: T + 1000, expiresAt: T + 5000 }), { kind: "claimed" });

      await claim("stuck");
      assert.deepEqual(await claim("stuck", { now: T + 10 }), { kind: "in_flight" });
      assert.deepEqual(await claim("stuck", { now: T + 61_000, abandonedBefore: T + 1 }), {
        kind: "claimed",
      });

      await claim("refused");
      await store.idempotency.release(accountId, "refused");
      assert.deepEqual(await claim("refused", { fingerprint: "other" }), { kind: "claimed" });
    });

    it("purges only keys past their window", async () => {
      await claim("p1", { expiresAt: T + 100 });
      await claim("p2", { expiresAt: T + 100_000 });
      assert.ok((await store.idempotency.purge(T + 200)) >= 1);
      assert.deepEqual(await claim("p2", { now: T + 300 }), { kind: "in_flight" });
      assert.deepEqual(await claim("p1", { now: T + 300 }), { kind: "claimed" });
    });

    it("keeps settings, sums refusals per rule and day, and sums OTP conversion over buckets", async () => {
      assert.deepEqual(await store.fraud.getSettings(accountId), {
        countries: null,
        accountLimit: null,
        prefixLimit: null,
      });
      await store.fraud.setSettings(accountId, { countries: ["DE", "AT"], prefixLimit: 7 });
      await store.fraud.setSettings(accountId, { accountLimit: 9 });
      assert.deepEqual(await store.fraud.getSettings(accountId), {
        countries: ["DE", "AT"],
        accountLimit: 9,
        prefixLimit: 7,
      });

      const refusal = { accountId, rule: "geo", day: "2026-01-05", count: 2, lastAt: T, lastDetail: "a" };
      await store.fraud.addRefusals([refusal]);
      await store.fraud.addRefusals([{ ...refusal, count: 3, lastAt: T + 1, lastDetail: "b" }]);
      assert.deepEqual(await store.fraud.refusals(accountId, "2026-01-01"), [
        { rule: "geo", day: "2026-01-05", count: 5, lastAt: T + 1, lastDetail: "b" },
      ]);

      for (const [bucket, what, by] of [
        [0, "created", 1],
        [60_000, "created", 1],
        [60_000, "created", 1],
        [60_000, "created", -1],
        [60_000, "verified", 1],
        [120_000, "created", 1],
      ] as const) {
        await store.fraud.countOtp(accountId, "49170", bucket, what, by);
      }
      await store.fraud.countOtp(accountId, "44740", 120_000, "created", 1);
      assert.deepEqual(await store.fraud.otpConversion(accountId, "49170", 60_000), {
        created: 2,
        verified: 1,
      });
      assert.deepEqual(await store.fraud.otpConversion(accountId, "49170", 0), { created: 3, verified: 1 });
      assert.deepEqual(await store.fraud.otpConversionByPrefix(accountId, 0, 10), [
        { prefix: "49170", created: 3, verified: 1 },
        { prefix: "44740", created: 1, verified: 0 },
      ]);
      assert.equal(await store.fraud.purgeOtpConversion(60_000), 1);
      assert.deepEqual(await store.fraud.otpConversion(accountId, "49170", 0), { created: 2, verified: 1 });
    });
  });
}
