/**
 * The reproduction of issue 10's first fault, on the wire: send A, restart the gateway and an SMSC whose
 * id counter restarts too, send B. B's receipt carries A's id; it must end B, not A.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { createAccount, createKey } from "../../src/app/manage-accounts.js";
import { loadConfig } from "../../src/config.js";
import { startGateway } from "../../src/gateway.js";
import { startSimulator } from "../../src/delivery/simulator/index.js";
import { openStore } from "../../src/store/open.js";
import { http } from "../helpers/gateway.js";
import { silent } from "../smpp/helpers.js";
import { storeTargets } from "../helpers/stores.js";
import { eventually } from "../helpers/webhook-receiver.js";

for (const target of storeTargets) {
  describe(`receipts after a restart of gateway and SMSC (${target.name})`, { skip: target.skip }, () => {
    const closers: (() => Promise<void>)[] = [];
    after(async () => {
      for (const close of closers.reverse()) await close();
    });

    it("a receipt for a repeated SMSC id ends the new message, not the old one", async () => {
      const store = await openStore(await target.url());
      closers.push(() => store.close());
      const FIRST_ID = 0x1a2b3c00; // both runs of the SMSC start here
      const run = async () => {
        const sim = await startSimulator({ port: 0, receiptDelayMs: 20, firstId: FIRST_ID, logger: silent });
        const config = loadConfig(
          {},
          {
            "server.port": 0,
            "log.level": "silent",
            "demo.enabled": false,
            "delivery.simulator.enabled": false,
            "delivery.pollIntervalMs": 20,
            "delivery.connectors": [
              {
                id: "smsc",
                host: "127.0.0.1",
                port: sim.port,
                systemId: "starling",
                password: "secret",
                throughputPerSecond: 0,
              },
            ],
            "webhooks.enabled": false,
          },
        );
        const gateway = await startGateway(config, { store });
        return {
          gateway,
          stop: async () => {
            await gateway.stop();
            await sim.close();
          },
        };
      };

      const first = await run();
      const account = await createAccount(first.gateway.deps, { name: "t", country: "DE", balance: 10 });
      const { token } = await createKey(first.gateway.deps, account.id);
      const auth = { "X-LOX24-AUTH-TOKEN": token, Accept: "application/json" };
      const send = async (url: string) => {
        const res = await http(url, "POST", "/sms", {
          body: { sender_id: "Starling", phone: "+491701234567", text: "hi" },
          headers: auth,
        });
        assert.equal(res.status, 201, res.text);
        return res.body.uuid as string;
      };
      const dlr = async (url: string, uuid: string) =>
        (await http(url, "GET", `/sms/${uuid}`, { headers: auth })).body.dlr_code;

      const a = await send(first.gateway.url);
      await eventually(async () => ((await dlr(first.gateway.url, a)) === 1 ? true : undefined));
      await first.stop();

      const second = await run();
      closers.push(second.stop);
      const b = await send(second.gateway.url);
      await eventually(async () => ((await dlr(second.gateway.url, b)) === 1 ? true : undefined), 15_000);
      assert.equal(await dlr(second.gateway.url, a), 1);
    });
  });
}
