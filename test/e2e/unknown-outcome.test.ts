/**
 * A submit that was sent and never answered in time has an unknown outcome: the SMSC may have the message.
 * It is not "never reached a network": an answer that comes after the timeout makes it submitted (and its
 * receipt delivers it, with no second copy sent), and a message whose outcome stayed unknown is not refunded
 * when it ends. Over every store.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { http, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";
import { eventually } from "../helpers/webhook-receiver.js";

for (const target of storeTargets) {
  describe(`unknown submit outcomes (${target.name})`, { skip: target.skip }, () => {
    const gateways: TestGateway[] = [];
    after(async () => {
      for (const gw of gateways) await gw.stop();
    });
    const start = async (overrides: Record<string, unknown>) => {
      const gw = await startTestGateway(target, {
        overrides: {
          "delivery.enabled": true,
          "delivery.simulator.enabled": true,
          "delivery.simulator.port": 0,
          "delivery.simulator.receiptDelayMs": 20,
          "delivery.pollIntervalMs": 20,
          "delivery.queryAfterSeconds": 0,
          ...overrides,
        },
      });
      gateways.push(gw);
      // A message claimed before the bind would wait out a retry: send once the connector is up.
      await eventually(
        () => [...gw.gateway.delivery.connectors.values()].every((c) => c.isUp()) || undefined,
      );
      return gw;
    };
    const api = (gw: TestGateway) => {
      const headers = { "X-LOX24-AUTH-TOKEN": gw.token, Accept: "application/json" };
      return {
        balance: async () => (await http(gw.url, "GET", "/me", { headers })).body.balance_amount as number,
        get: async (uuid: string) => (await http(gw.url, "GET", `/sms/${uuid}`, { headers })).body,
        send: async (text: string) => {
          const res = await http(gw.url, "POST", "/sms", {
            body: { sender_id: "Starling", phone: "+491701234567", text },
            headers,
          });
          assert.equal(res.status, 201, res.text);
          return res.body as { uuid: string };
        },
      };
    };

    it("an answer after the timeout makes the message submitted: delivered, sent once, charged", async () => {
      const gw = await start({
        "delivery.simulator.connector.responseTimeoutMs": 400,
        // the resubmission would come long after the late answer
        "delivery.retry.baseMs": 20_000,
      });
      const sim = gw.gateway.delivery.simulator!;
      sim.setResponseDelayMs(1200);
      const { balance, get, send } = api(gw);
      const before = await balance();
      const sent = await send("answered late");
      const m = await eventually(async () => {
        const message = await get(sent.uuid);
        return message.dlr_code === 1 ? message : undefined;
      }, 15_000).catch(async (error) => {
        throw new Error(
          `${error.message}: ${JSON.stringify(await get(sent.uuid))} ${JSON.stringify(sim.stats)}`,
        );
      });
      assert.equal(m.status_code, 100);
      assert.equal(sim.stats.submitsReceived, 1, "sent once: the late answer was taken, not resubmitted");
      assert.ok((await balance()) < before, "charged");
    });

    it("a message whose submits were never answered is not refunded when its validity ends", async () => {
      const gw = await start({
        "delivery.simulator.scenario": "blackhole",
        "delivery.simulator.connector.responseTimeoutMs": 300,
        "delivery.validitySeconds": 3,
        "delivery.retry.baseMs": 200,
        "delivery.retry.maxMs": 500,
      });
      const { balance, get, send } = api(gw);
      const before = await balance();
      const sent = await send("into the void");
      const charged = await balance();
      assert.ok(charged < before);
      const m = await eventually(async () => {
        const message = await get(sent.uuid);
        return message.dlr_code === 8 ? message : undefined;
      }, 20_000);
      assert.equal(m.status_code, 0);
      assert.ok(gw.gateway.delivery.simulator!.stats.blackholed >= 1);
      assert.equal(await balance(), charged, "not refunded: the SMSC may have it");
    });
  });
}
