/**
 * A receipt that never comes: the SMSC accepted and delivered the message but lost its receipt. The gateway
 * asks (query_sm) once the message has been en route `delivery.queryAfterSeconds`, and the answer ends it as
 * a receipt would have. Over every store (the store finds the late parts).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { http, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";
import { eventually } from "../helpers/webhook-receiver.js";

for (const target of storeTargets) {
  describe(`late receipts are asked for (${target.name})`, { skip: target.skip }, () => {
    let gw: TestGateway;
    const auth = () => ({ "X-LOX24-AUTH-TOKEN": gw.token, Accept: "application/json" });
    const get = async (uuid: string) => (await http(gw.url, "GET", `/sms/${uuid}`, { headers: auth() })).body;
    const send = async (text: string) => {
      const res = await http(gw.url, "POST", "/sms", {
        body: { sender_id: "Starling", phone: "+491701234567", text },
        headers: auth(),
      });
      assert.equal(res.status, 201, res.text);
      return res.body as { uuid: string };
    };

    before(async () => {
      gw = await startTestGateway(target, {
        overrides: {
          "delivery.enabled": true,
          "delivery.simulator.enabled": true,
          "delivery.simulator.port": 0,
          "delivery.simulator.scenario": "lose_receipts",
          "delivery.simulator.receiptDelayMs": 20,
          "delivery.queryAfterSeconds": 1,
          "delivery.pollIntervalMs": 20,
        },
      });
    });
    after(() => gw.stop());

    it("a message whose receipt was lost is delivered by the SMSC's answer to query_sm", async () => {
      const sent = await Promise.all([
        send("lost receipt one"),
        send("lost receipt two (a long one) ".repeat(8)),
      ]);
      const sim = gw.gateway.delivery.simulator!;
      await eventually(async () => ((await get(sent[0]!.uuid)).dlr_code === 4 ? true : undefined));
      assert.equal(sim.stats.receiptsSent, 0, "the simulator sent no receipt");
      for (const { uuid } of sent) {
        const m = await eventually(async () => {
          const message = await get(uuid);
          return message.dlr_code === 1 ? message : undefined;
        }, 20_000);
        assert.equal(m.status_code, 100);
      }
      assert.equal(sim.stats.receiptsSent, 0, "delivered without any receipt");
    });
  });
}
