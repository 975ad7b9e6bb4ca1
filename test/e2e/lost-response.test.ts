/**
 * The SMSC accepts a message and delivers it, but its submit_sm_resp never reaches the gateway (lost in
 * silence, or the connection cut before it): the gateway never learns the copy's id. The copy's receipt
 * still finds the message by its addresses, text and submit date (core/delivery/unknown-receipts.ts): the
 * message ends delivered, charged once, and no second copy is sent. Over every store.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { http, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";
import { eventually } from "../helpers/webhook-receiver.js";

for (const target of storeTargets) {
  describe(`a lost submit_sm_resp (${target.name})`, { skip: target.skip }, () => {
    const gateways: TestGateway[] = [];
    after(async () => {
      for (const gw of gateways) await gw.stop();
    });

    for (const loseResponseBy of ["silence", "cut"] as const) {
      it(`lost by ${loseResponseBy}: the copy's receipt delivers the message, sent once, charged once`, async () => {
        const gw = await startTestGateway(target, {
          overrides: {
            "delivery.enabled": true,
            "delivery.simulator.enabled": true,
            "delivery.simulator.port": 0,
            "delivery.simulator.receiptDelayMs": 50,
            "delivery.simulator.connector.responseTimeoutMs": 400,
            "delivery.pollIntervalMs": 20,
            "delivery.queryAfterSeconds": 0,
            // the resubmission would come long after the receipt: before receipts were linked by their
            // addresses, the message stayed unsent until then and went out twice
            "delivery.retry.baseMs": 30_000,
          },
        });
        gateways.push(gw);
        await eventually(
          () => [...gw.gateway.delivery.connectors.values()].every((c) => c.isUp()) || undefined,
        );
        const sim = gw.gateway.delivery.simulator!;
        sim.setScenario("lose_responses", { loseResponses: 1, loseResponseBy });
        const headers = { "X-LOX24-AUTH-TOKEN": gw.token, Accept: "application/json" };
        const balance = async () =>
          (await http(gw.url, "GET", "/me", { headers })).body.balance_amount as number;
        const get = async (uuid: string) => (await http(gw.url, "GET", `/sms/${uuid}`, { headers })).body;

        const before = await balance();
        const res = await http(gw.url, "POST", "/sms", {
          body: { sender_id: "Starling", phone: "+491701234567", text: "Your code is 482913, valid 10 min" },
          headers,
        });
        assert.equal(res.status, 201, res.text);
        const charged = await balance();
        assert.ok(charged < before, "charged on acceptance");

        const m = await eventually(async () => {
          const message = await get(res.body.uuid);
          return message.dlr_code === 1 ? message : undefined;
        }, 20_000).catch(async (error) => {
          throw new Error(
            `${error.message}: ${JSON.stringify(await get(res.body.uuid))} ${JSON.stringify(sim.stats)}`,
          );
        });
        assert.equal(m.status_code, 100);
        assert.equal(sim.stats.responsesLost, 1);
        assert.equal(sim.stats.submitsReceived, 1, "one copy on the network: no resubmission");
        assert.equal(await balance(), charged, "charged once, not refunded");
      });
    }
  });
}
