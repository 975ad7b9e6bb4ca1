/**
 * Issue 10's second fault, on the wire: part 2 of 3 is refused with ESME_RTHROTTLED. The next attempt must
 * resume with part 2 (same concatenation reference, same connector), never send part 1 again.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { createAccount, createKey } from "../../src/app/manage-accounts.js";
import { loadConfig } from "../../src/config.js";
import { startSimulator } from "../../src/delivery/simulator/index.js";
import { startGateway } from "../../src/gateway.js";
import { http } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";
import { eventually } from "../helpers/webhook-receiver.js";
import { silent } from "../smpp/helpers.js";

for (const target of storeTargets) {
  describe(`long messages after a temporary refusal (${target.name})`, { skip: target.skip }, () => {
    const closers: (() => Promise<void>)[] = [];
    after(async () => {
      for (const close of closers.reverse()) await close();
    });

    it("resumes from the first part not accepted, with the same reference, on the same connector", async () => {
      // Every second submit_sm is refused: parts 1 ok, 2 throttled, 2 ok, 3 throttled, 3 ok.
      const sim = await startSimulator({
        port: 0,
        receiptDelayMs: 20,
        scenario: "throttle",
        scenarioOptions: { throttleEvery: 2 },
        logger: silent,
      });
      closers.push(() => sim.close());
      const smsc = {
        host: "127.0.0.1",
        port: sim.port,
        systemId: "starling",
        password: "secret",
        throughputPerSecond: 0,
        throttlePauseMs: 10,
      };
      const config = loadConfig(
        {},
        {
          "server.port": 0,
          "database.url": await target.url(),
          "log.level": "silent",
          "demo.enabled": false,
          "delivery.simulator.enabled": false,
          "delivery.pollIntervalMs": 20,
          "delivery.retry.baseMs": 20,
          "delivery.retry.maxMs": 50,
          // A second connector to the same SMSC that the rest of the message must not fail over to.
          "delivery.connectors": [
            { id: "first", ...smsc, systemId: "first" },
            { id: "second", ...smsc, systemId: "second" },
          ],
          "webhooks.enabled": false,
        },
      );
      const gateway = await startGateway(config);
      closers.push(() => gateway.stop());
      const account = await createAccount(gateway.deps, { name: "t", country: "DE", balance: 10 });
      const { token } = await createKey(gateway.deps, account.id);
      const auth = { "X-LOX24-AUTH-TOKEN": token, Accept: "application/json" };
      const text = "Long message. ".repeat(30); // 420 GSM characters: three parts of 153
      const res = await http(gateway.url, "POST", "/sms", {
        body: { sender_id: "Starling", phone: "+491701234567", text },
        headers: auth,
      });
      assert.equal(res.status, 201, res.text);
      const uuid = res.body.uuid as string;
      const m = await eventually(async () => {
        const got = (await http(gateway.url, "GET", `/sms/${uuid}`, { headers: auth })).body;
        return got.dlr_code === 1 ? got : undefined;
      }, 15_000);
      assert.equal(m.status_code, 100);

      const parts = sim.stats.submits.filter((r) => r.concat);
      assert.deepEqual(
        parts.map((r) => r.concat!.seq),
        [1, 2, 3],
        "each part accepted once, in order",
      );
      assert.equal(new Set(parts.map((r) => r.concat!.ref)).size, 1, "one concatenation reference");
      assert.equal(new Set(parts.map((r) => r.concat!.total)).size, 1);
      assert.equal(sim.stats.submitsReceived, 5, "two refusals, three accepted parts, nothing sent twice");
      assert.equal(parts.map((r) => r.text).join(""), text);
      assert.deepEqual(new Set(parts.map((r) => r.systemId)), new Set(["first"]), "no part failed over");
      const message = sim.stats.messages.find((x) => x.text === text);
      assert.ok(message, "the SMSC joined the three parts into the message");
    });
  });
}
