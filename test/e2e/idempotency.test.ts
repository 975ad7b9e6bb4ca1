/**
 * Idempotency-Key on every send route, over every store: a retry replays the first answer and sends and
 * charges nothing; a different body is 422 and a running request 409 in each dialect's shape; keys are per
 * account, survive a restart, and are purged after their window.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startGateway } from "../../src/gateway.js";
import { http, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { bearer, seedAccount } from "../helpers/fullsms.js";
import { storeTargets } from "../helpers/stores.js";
import { ManualClock } from "./otp-fixture.js";

const SMS = { sender_id: "Starling", phone: "+491701234567", text: "Your order shipped" };

for (const target of storeTargets) {
  describe(`Idempotency-Key (${target.name})`, { skip: target.skip }, () => {
    let gw: TestGateway;
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 12));
    const lox = (body: unknown, key?: string, token = gw.token) =>
      http(gw.url, "POST", "/sms", {
        body,
        headers: {
          "X-LOX24-AUTH-TOKEN": token,
          Accept: "application/json",
          ...(key ? { "Idempotency-Key": key } : {}),
        },
      });
    const fullsms = (path: string, body: unknown, key?: string, token = gw.token) =>
      http(gw.url, "POST", path, {
        body,
        headers: { ...bearer(token), Accept: "application/json", ...(key ? { "Idempotency-Key": key } : {}) },
      });
    const balance = async (accountId = gw.accountId) =>
      (await gw.gateway.store.accounts.get(accountId))!.balanceMicros;
    const messageCount = async (accountId = gw.accountId) =>
      (await gw.gateway.store.messages.list(accountId, { page: 1, perPage: 1, order: "asc" })).total;

    before(async () => {
      gw = await startTestGateway(target, { clock });
      await seedAccount(gw);
    });
    after(() => gw.stop());

    it("LOX24: a retry replays the stored 201 byte for byte, marked as a replay, and charges nothing", async () => {
      const first = await lox(SMS, "order-1");
      assert.equal(first.status, 201);
      assert.equal(first.headers.get("idempotent-replayed"), null);
      const [messages, money] = [await messageCount(), await balance()];

      const again = await lox(SMS, "order-1");
      assert.equal(again.status, 201);
      assert.equal(again.headers.get("idempotent-replayed"), "true");
      assert.equal(again.text, first.text);
      assert.equal(again.headers.get("content-type"), first.headers.get("content-type"));
      assert.equal(await messageCount(), messages);
      assert.equal(await balance(), money);
    });

    it("LOX24: the same key with a different body is 422 in the problem shape, and sends nothing", async () => {
      await lox(SMS, "order-2");
      const before = await messageCount();
      const res = await lox({ ...SMS, text: "something else" }, "order-2");
      assert.equal(res.status, 422);
      assert.match(res.body.detail, /different request/);
      assert.equal(res.body.title, "An error occurred");
      assert.equal(await messageCount(), before);
    });

    it("without the header every request sends", async () => {
      const before = await messageCount();
      await lox(SMS);
      await lox(SMS);
      assert.equal(await messageCount(), before + 2);
    });

    it("refuses a key longer than 255 characters in the dialect's validation shape", async () => {
      const lox24 = await lox(SMS, "k".repeat(256));
      assert.equal(lox24.status, 400);
      assert.equal(lox24.body.violations[0].propertyPath, "Idempotency-Key");
      const full = await fullsms("/messages/send/to_numbers", {}, "k".repeat(256));
      assert.equal(full.status, 422);
      assert.ok(full.body.errors["Idempotency-Key"]);
      assert.equal((await lox(SMS, "k".repeat(255))).status, 201);
    });

    it("keys are per account: another account's same key sends its own message", async () => {
      const other = await gw.newAccount();
      const mine = await lox(SMS, "shared-key");
      const theirs = await lox(SMS, "shared-key", other.token);
      assert.equal(theirs.status, 201);
      assert.equal(theirs.headers.get("idempotent-replayed"), null);
      assert.notEqual(theirs.body.uuid, mine.body.uuid);
    });

    it("a refused request releases its key: the same key succeeds once the cause is gone", async () => {
      const poor = await gw.newAccount({ balance: 0 });
      const refused = await lox(SMS, "retry-after-topup", poor.token);
      assert.equal(refused.status, 402);
      await gw.gateway.store.accounts.adjustBalance(poor.accountId, 1_000_000, clock.now());
      const sent = await lox(SMS, "retry-after-topup", poor.token);
      assert.equal(sent.status, 201);
      assert.equal(sent.headers.get("idempotent-replayed"), null);
    });

    it("FullSMS to_numbers: a retry replays the campaign answer; a different body is 422 in FullSMS's shape", async () => {
      const body = { from: "441111111111", message: "Sale!", to_numbers: ["+491701111111", "+491701111112"] };
      const first = await fullsms("/messages/send/to_numbers", body, "campaign-7");
      assert.equal(first.status, 200);
      const before = [await messageCount(), await balance()];
      const again = await fullsms("/messages/send/to_numbers", body, "campaign-7");
      assert.equal(again.headers.get("idempotent-replayed"), "true");
      assert.deepEqual(again.body, first.body);
      assert.deepEqual([await messageCount(), await balance()], before);

      const changed = await fullsms("/messages/send/to_numbers", { ...body, message: "Other" }, "campaign-7");
      assert.equal(changed.status, 422);
      assert.deepEqual(changed.body, { status_code: 422, message: changed.body.message });
      assert.match(changed.body.message, /different request/);
    });

    it("FullSMS to_lists and otp/create replay too; the same key on another route is a different request", async () => {
      const { listId } = { listId: (await gw.gateway.store.fullsms.lists.list(gw.accountId))[0]!.id };
      await gw.gateway.store.fullsms.contacts.add(listId, ["+491702222222"], clock.now());
      const lists = { from: "441111111111", message: "News", to_list_ids: [listId] };
      const first = await fullsms("/messages/send/to_lists", lists, "lists-1");
      assert.equal(first.status, 200);
      const again = await fullsms("/messages/send/to_lists", lists, "lists-1");
      assert.equal(again.headers.get("idempotent-replayed"), "true");
      assert.equal(again.body.campaign_id, first.body.campaign_id);

      const otp = { to_number: "+491703333333", from: "441111111111" };
      const created = await fullsms("/otp/create", otp, "otp-1");
      assert.equal(created.status, 200);
      const replay = await fullsms("/otp/create", otp, "otp-1");
      assert.equal(replay.headers.get("idempotent-replayed"), "true");
      assert.equal(replay.body.otp_id, created.body.otp_id);

      const elsewhere = await fullsms("/messages/send/to_numbers", otp, "otp-1");
      assert.equal(elsewhere.status, 422);
    });

    it("20 concurrent identical requests with one key: one message, one debit, 20 identical answers", async () => {
      const [messages, money] = [await messageCount(), await balance()];
      const answers = await Promise.all(Array.from({ length: 20 }, () => lox(SMS, "burst-1")));
      assert.deepEqual(
        answers.map((a) => a.status),
        Array(20).fill(201),
      );
      assert.equal(new Set(answers.map((a) => a.text)).size, 1);
      assert.equal(answers.filter((a) => a.headers.get("idempotent-replayed") === "true").length, 19);
      assert.equal(await messageCount(), messages + 1);
      assert.equal(money - (await balance()), answers[0]!.body.price * 1_000_000);
    });

    it("is purged after its window: the key then sends again", async () => {
      const first = await lox(SMS, "old-key");
      clock.advance(24 * 3600 * 1000);
      // Not yet purged, but expired: a new request takes the key over.
      const later = await lox(SMS, "old-key");
      assert.equal(later.headers.get("idempotent-replayed"), null);
      assert.notEqual(later.body.uuid, first.body.uuid);
      clock.advance(24 * 3600 * 1000 + 1);
      assert.ok((await gw.gateway.store.idempotency.purge(clock.now())) >= 1);
      const fresh = await lox(SMS, "old-key");
      assert.equal(fresh.headers.get("idempotent-replayed"), null);
    });
  });

  describe(`Idempotency-Key races and restarts (${target.name})`, { skip: target.skip }, () => {
    it("without waiting, concurrent duplicates get 409 in each dialect's shape or the replay; still one message", async () => {
      const gw = await startTestGateway(target, { overrides: { "idempotency.inFlightWaitMs": 0 } });
      try {
        const send = () =>
          http(gw.url, "POST", "/sms", {
            body: SMS,
            headers: {
              "X-LOX24-AUTH-TOKEN": gw.token,
              Accept: "application/json",
              "Idempotency-Key": "race",
            },
          });
        const answers = await Promise.all(Array.from({ length: 20 }, send));
        const created = answers.filter((a) => a.status === 201);
        const conflicts = answers.filter((a) => a.status === 409);
        assert.equal(created.length + conflicts.length, 20);
        assert.equal(created.filter((a) => a.headers.get("idempotent-replayed") !== "true").length, 1);
        assert.equal(new Set(created.map((a) => a.body.uuid)).size, 1);
        for (const c of conflicts) {
          assert.match(c.body.detail, /still being processed/);
          assert.equal(c.headers.get("retry-after"), "1");
        }
        const { total } = await gw.gateway.store.messages.list(gw.accountId, {
          page: 1,
          perPage: 1,
          order: "asc",
        });
        assert.equal(total, 1);
      } finally {
        await gw.stop();
      }
    });

    it("a key still in flight answers 409 in FullSMS's shape", async () => {
      const gw = await startTestGateway(target, { overrides: { "idempotency.inFlightWaitMs": 0 } });
      try {
        // A claim a running request holds (as another process would): the retry must not run again.
        const now = Date.now();
        await gw.gateway.store.idempotency.claim({
          accountId: gw.accountId,
          key: "running",
          fingerprint: "whatever",
          now,
          expiresAt: now + 60_000,
          abandonedBefore: now - 60_000,
        });
        const res = await http(gw.url, "POST", "/otp/create", {
          body: {},
          headers: { ...bearer(gw.token), "Idempotency-Key": "running" },
        });
        // The fingerprint differs (422) before it is in flight (409): try the matching one too.
        assert.equal(res.status, 422);
        await gw.gateway.store.idempotency.release(gw.accountId, "running");
        const body = { to_number: "+491705555555", from: "441111111111" };
        const { fingerprintOf } = await import("../../src/app/idempotency.js");
        await gw.gateway.store.idempotency.claim({
          accountId: gw.accountId,
          key: "running",
          fingerprint: fingerprintOf("POST /otp/create", body),
          now,
          expiresAt: now + 60_000,
          abandonedBefore: now - 60_000,
        });
        const busy = await http(gw.url, "POST", "/otp/create", {
          body,
          headers: { ...bearer(gw.token), "Idempotency-Key": "running" },
        });
        assert.equal(busy.status, 409);
        assert.deepEqual(busy.body, { status_code: 409, message: busy.body.message });
      } finally {
        await gw.stop();
      }
    });

    it("replays the stored answer after a gateway restart", async () => {
      const gw = await startTestGateway(target);
      const config = gw.gateway.config;
      const send = (url: string) =>
        http(url, "POST", "/sms", {
          body: SMS,
          headers: {
            "X-LOX24-AUTH-TOKEN": gw.token,
            Accept: "application/json",
            "Idempotency-Key": "restart",
          },
        });
      const first = await send(gw.url);
      assert.equal(first.status, 201);
      await gw.stop();
      const again = await startGateway(config);
      try {
        const replay = await send(again.url);
        assert.equal(replay.status, 201);
        assert.equal(replay.headers.get("idempotent-replayed"), "true");
        assert.equal(replay.text, first.text);
        const { total } = await again.store.messages.list(gw.accountId, {
          page: 1,
          perPage: 1,
          order: "asc",
        });
        assert.equal(total, 1);
      } finally {
        await again.stop();
      }
    });
  });
}
