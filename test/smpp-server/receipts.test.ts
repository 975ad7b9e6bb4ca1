/**
 * Receipts are kept durably for the ESME: they wait for a receiving bind that comes only later, survive a
 * gateway restart, and are removed only after an ESME_ROK deliver_sm_resp, so a connection cut before the
 * answer loses none. registered_delivery 2 asks for failures only. Over every store.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createAccount, createKey } from "../../src/app/manage-accounts.js";
import { loadConfig } from "../../src/config.js";
import { type Gateway, startGateway } from "../../src/gateway.js";
import { issueSmppLogin } from "../../src/smpp-server/credentials.js";
import { storeTargets } from "../helpers/stores.js";
import { eventually } from "../helpers/webhook-receiver.js";
import { gsm, TestEsme } from "./esme.js";

async function start(url: string, overrides: Record<string, unknown> = {}): Promise<Gateway> {
  const config = loadConfig(
    {},
    {
      "server.port": 0,
      "database.url": url,
      "log.level": "silent",
      "demo.enabled": false,
      "webhooks.enabled": false,
      "smppServer.enabled": true,
      "smppServer.port": 0,
      "delivery.simulator.port": 0,
      "delivery.simulator.receiptDelayMs": 20,
      "delivery.pollIntervalMs": 20,
      ...overrides,
    },
  );
  return startGateway(config);
}

for (const target of storeTargets) {
  describe(`SMPP server: receipts (${target.name})`, { skip: target.skip }, () => {
    it("waits for a receiver bind, survives a restart, and is resent until acknowledged", async () => {
      const url = await target.url();
      let gw = await start(url);
      const esmes: TestEsme[] = [];
      try {
        const account = await createAccount(gw.deps, { name: "esme", country: "DE", balance: 10 });
        const { key } = await createKey(gw.deps, account.id);
        const login = await issueSmppLogin(gw.deps, key.id);
        const connect = async (type: "transmitter" | "receiver") => {
          const e = await TestEsme.connect(gw.smppServer!.port);
          esmes.push(e);
          assert.equal((await e.bind(type, login.systemId, login.password)).command_status, 0);
          return e;
        };

        const tx = await connect("transmitter");
        const wanted = await tx.submit({ short_message: gsm("receipt please"), registered_delivery: 1 });
        const failuresOnly = await tx.submit({
          short_message: gsm("only if it fails"),
          registered_delivery: 2,
        });
        const id = String(wanted.message_id);
        for (const r of [wanted, failuresOnly]) {
          await eventually(async () =>
            (await gw.store.messages.getById(String(r.message_id)))?.dlrCode === 1 ? true : undefined,
          );
        }
        await tx.close();
        await gw.stop();

        gw = await start(url);
        // A receiver that takes the receipt but never answers, then loses its connection.
        const careless = await connect("receiver");
        careless.answerDelivers = false;
        await eventually(() => careless.delivers.find((d) => d.receipted_message_id === id));
        await careless.close();

        const rx = await connect("receiver");
        const receipt = await eventually(() => rx.delivers.find((d) => d.receipted_message_id === id));
        assert.equal(receipt.esm_class, 0x04);
        assert.equal(receipt.message_state, 2);
        // Acknowledged now: nothing is left, and the failures-only message never had a receipt.
        await eventually(async () =>
          (await gw.store.smppServer.claim([account.id], Date.now(), 10, 0)).length === 0 ? true : undefined,
        );
        assert.equal(
          rx.delivers.filter((d) => d.receipted_message_id === String(failuresOnly.message_id)).length,
          0,
        );
        assert.equal(rx.delivers.filter((d) => d.receipted_message_id === id).length, 1);
      } finally {
        for (const e of esmes) await e.close();
        await gw.stop();
      }
    });

    it("expires a message whose validity_period ends before it is sent: dlr 8, refunded, EXPIRED receipt", async () => {
      // No dispatcher: the message stays queued, as behind a connector that is down.
      const gw = await start(await target.url(), { "delivery.enabled": false });
      const esmes: TestEsme[] = [];
      try {
        const account = await createAccount(gw.deps, { name: "esme", country: "DE", balance: 10 });
        const { key } = await createKey(gw.deps, account.id);
        const login = await issueSmppLogin(gw.deps, key.id);
        const trx = await TestEsme.connect(gw.smppServer!.port);
        esmes.push(trx);
        assert.equal((await trx.bind("transceiver", login.systemId, login.password)).command_status, 0);
        const resp = await trx.submit({
          short_message: gsm("too late"),
          registered_delivery: 1,
          validity_period: "000000000001000R",
        });
        assert.equal(resp.command_status, 0);
        const id = String(resp.message_id);
        assert.equal((await gw.store.accounts.get(account.id))!.balanceMicros, 10_000_000 - 70_000);
        const receipt = await eventually(() => trx.delivers.find((d) => d.receipted_message_id === id));
        assert.equal(receipt.message_state, 3, "EXPIRED");
        const m = (await gw.store.messages.getById(id))!;
        assert.equal(m.dlrCode, 8);
        assert.equal(m.statusCode, 0);
        assert.equal((await gw.store.accounts.get(account.id))!.balanceMicros, 10_000_000, "refunded");
      } finally {
        for (const e of esmes) await e.close();
        await gw.stop();
      }
    });
  });
}
