/**
 * Accepted messages reach the SMSC simulator over a real SMPP session, receipts come back, the LOX24
 * fields follow the message's life, and signed webhooks reach the customer. Over every store.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { verifyStarlingSignature } from "../../src/webhooks/verify-signature.js";
import { http, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";
import { eventually, startWebhookReceiver } from "../helpers/webhook-receiver.js";

for (const target of storeTargets) {
  describe(`delivery over SMPP (${target.name})`, { skip: target.skip }, () => {
    let gw: TestGateway;
    let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
    const auth = () => ({ "X-LOX24-AUTH-TOKEN": gw.token, Accept: "application/json" });
    const get = async (uuid: string) => (await http(gw.url, "GET", `/sms/${uuid}`, { headers: auth() })).body;
    const send = async (body: Record<string, unknown>) => {
      const res = await http(gw.url, "POST", "/sms", { body: { sender_id: "Starling", phone: "+491701234567", ...body }, headers: auth() });
      assert.equal(res.status, 201, res.text);
      return res.body;
    };
    const final = (uuid: string, dlr = 1) =>
      eventually(async () => {
        const m = await get(uuid);
        return m.dlr_code === dlr ? m : undefined;
      });

    before(async () => {
      hooks = await startWebhookReceiver([500]); // the first callback fails once, to show the retry
      gw = await startTestGateway(target, {
        overrides: {
          "delivery.enabled": true,
          "delivery.simulator.enabled": true,
          "delivery.simulator.port": 0,
          "delivery.simulator.receiptDelayMs": 20,
          "delivery.pollIntervalMs": 20,
          "webhooks.enabled": true,
          "webhooks.baseDelayMs": 50,
        },
      });
      await gw.gateway.store.webhooks.add(gw.accountId, hooks.url, Date.now());
    });
    after(async () => {
      await gw.stop();
      await hooks.close();
    });

    it("delivers a message: status 100, is_sent, gateway_sent_at, dlr_code 4 then 1", async () => {
      const sent = await send({ text: "Hello over SMPP", callback_data: "order-12345" });
      const m = await final(sent.uuid);
      assert.equal(m.status_code, 100);
      assert.equal(m.is_sent, true);
      assert.ok(m.gateway_sent_at >= sent.created_at);
      const submits = gw.gateway.delivery.simulator!.stats.submits.filter((r) => r.text === "Hello over SMPP");
      assert.equal(submits.length, 1);
      assert.equal(submits[0]!.destination, "491701234567");
      assert.equal(submits[0]!.sourceTon, 5);
      assert.equal(submits[0]!.registeredDelivery, 1);
    });

    it("posts signed sms.delivery webhooks for every dlr_code change, retrying a failed one", async () => {
      const sent = await send({ text: "webhook please", callback_data: "cb-1" });
      await final(sent.uuid);
      const events = await eventually(() => {
        const mine = hooks.received.filter((h) => h.body.data.id === sent.uuid);
        return mine.length >= 2 && mine.some((h) => h.body.data.dlr_code === 1) ? mine : undefined;
      });
      const secret = (await gw.gateway.store.accounts.get(gw.accountId))!.webhookSecret;
      for (const e of events) {
        assert.equal(e.body.name, "sms.delivery");
        assert.equal(e.body.api_version, "2022-05-25");
        assert.equal(e.body.attempt_total, 4);
        assert.equal(e.body.data.callback_data, "cb-1");
        assert.equal(e.body.data.key_id, gw.keyId);
        assert.equal(e.body.data.status_code, 100);
        assert.ok(verifyStarlingSignature(secret, e.headers["x-starling-signature"], e.raw));
        assert.ok(!verifyStarlingSignature("wrong-secret", e.headers["x-starling-signature"], e.raw));
      }
      assert.deepEqual([...new Set(events.map((e) => e.body.data.dlr_code))].sort(), [1, 4]);
      // The receiver answered 500 to the very first callback of this suite; it was retried as attempt 2.
      await eventually(() => hooks.received.some((h) => h.body.attempt_number === 2) || undefined);
    });

    it("sends a long message as UDH-concatenated parts and marks it delivered when all parts are", async () => {
      const text = `${"long message ".repeat(20)}end`;
      const sent = await send({ text });
      assert.equal(sent.parts_count, 2);
      await final(sent.uuid);
      const reassembled = gw.gateway.delivery.simulator!.stats.messages.find((m) => m.text === text);
      assert.ok(reassembled, "the simulator reassembled the parts");
      const unicodeText = `😀 ${"ж".repeat(80)}`;
      const unicode = await send({ text: unicodeText });
      assert.equal(unicode.parts_count, 2);
      await final(unicode.uuid);
      // The SMSC got UCS-2 parts that join into exactly the text sent (the emoji's surrogate pair kept whole).
      const ucs2 = gw.gateway.delivery.simulator!.stats.messages.find((m) => m.text === unicodeText);
      assert.ok(ucs2, "the simulator reassembled the UCS-2 parts into the text sent");
      assert.equal(ucs2.dataCoding, 8);
      assert.equal(ucs2.parts, 2);
    });

    it("holds a scheduled message (dlr_code 2) until delivery_at, then delivers it", async () => {
      const at = Math.floor(Date.now() / 1000) + 2;
      const sent = await send({ text: "scheduled", delivery_at: at });
      assert.equal((await get(sent.uuid)).dlr_code, 2);
      const m = await final(sent.uuid);
      assert.ok(m.gateway_sent_at >= at);
    });

    it("never submits a message cancelled before its time", async () => {
      const sent = await send({ text: "cancel me", delivery_at: Math.floor(Date.now() / 1000) + 1 });
      const del = await http(gw.url, "DELETE", `/sms/${sent.uuid}`, { headers: auth() });
      assert.equal(del.status, 204);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal((await get(sent.uuid)).status_code, 6000);
      assert.ok(!gw.gateway.delivery.simulator!.stats.submits.some((r) => r.text === "cancel me"));
    });

    it("erases the text of an is_text_deleted message once final, keeping chars_count", async () => {
      const sent = await send({ text: "Your code is 123456", is_text_deleted: true });
      const m = await final(sent.uuid);
      assert.equal(m.text, "");
      assert.equal(m.chars_count, 19);
      assert.equal(m.is_text_deleted, true);
    });

    it("ends a message with no route as status 5000 and refunds it", async () => {
      const own = await startTestGateway(target, {
        overrides: {
          "delivery.enabled": true,
          "delivery.simulator.enabled": true,
          "delivery.simulator.port": 0,
          "delivery.pollIntervalMs": 20,
          "delivery.routes": [{ prefixes: ["33"], connectors: ["simulator"] }],
        },
        balance: 1,
      });
      try {
        const res = await http(own.url, "POST", "/sms", {
          body: { sender_id: "S", phone: "+491701234567", text: "nowhere" },
          headers: { "X-LOX24-AUTH-TOKEN": own.token, Accept: "application/json" },
        });
        const m = await eventually(async () => {
          const got = await http(own.url, "GET", `/sms/${res.body.uuid}`, { headers: { "X-LOX24-AUTH-TOKEN": own.token, Accept: "application/json" } });
          return got.body.status_code === 5000 ? got.body : undefined;
        });
        assert.equal(m.is_sent, false);
        const me = await http(own.url, "GET", "/me", { headers: { "X-LOX24-AUTH-TOKEN": own.token } });
        assert.equal(me.body.balance_amount, 1);
      } finally {
        await own.stop();
      }
    });

    it("stores an inbound message and raises sms.incoming for the number's owner", async () => {
      await gw.gateway.store.fullsms.numbers.add(gw.accountId, "491709999999", "DE", Date.now());
      await gw.gateway.delivery.simulator!.sendInbound({ from: "491701111111", to: "491709999999", text: "Hi there" });
      const event = await eventually(() => hooks.received.find((h) => h.body.name === "sms.incoming"));
      assert.equal(event.body.data.text, "Hi there");
      assert.match(event.body.data.from, /491701111111/);
    });
  });
}
