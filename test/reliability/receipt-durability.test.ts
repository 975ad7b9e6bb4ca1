/**
 * A delivery receipt must survive a crash on either side of the SMPP link, or the message stays "en route"
 * (dlr_code 4) for good. SMPP's rule is that a deliver_sm the ESME has not answered is sent again; so
 *  - Starling answers deliver_sm only once the receipt is stored (acknowledging first loses it on SIGKILL);
 *  - the simulated SMSC sends a receipt again when its deliver_sm got no answer (a real SMSC does).
 * The crash-restart test found both; these tests pin each one down on its own.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { createAccount, createKey } from "../../src/app/manage-accounts.js";
import { loadConfig } from "../../src/config.js";
import { startSimulator } from "../../src/delivery/simulator/index.js";
import {
  connectSession,
  createLibServer,
  createPdu,
  type LibSession,
  type Pdu,
} from "../../src/delivery/smpp/lib.js";
import { type Gateway, startGateway } from "../../src/gateway.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/ports/index.js";
import { getJson, pollUntil, postSms, sleep, tempDir } from "./helpers.js";

const cleanups: (() => Promise<unknown> | unknown)[] = [];
after(async () => {
  for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch(() => {});
});

test("Starling answers a receipt's deliver_sm only after the receipt is stored", {
  timeout: 30_000,
}, async () => {
  // A bare SMSC: accepts the bind and one submit, sends its receipt, and notes when the answer comes.
  let receiptAnsweredAt: number | undefined;
  const sessions = new Set<LibSession>();
  const server = createLibServer({}, (session) => {
    sessions.add(session);
    session.on("error", () => {});
    session.on("pdu", (pdu: Pdu) => {
      if (pdu.isResponse()) return;
      if (pdu.command === "bind_transceiver") session.send(pdu.response({ system_id: "RAWSMSC" }));
      else if (pdu.command === "enquire_link" || pdu.command === "unbind") session.send(pdu.response());
      else if (pdu.command === "submit_sm") {
        session.send(pdu.response({ message_id: "ABC123" }));
        const text =
          "id:ABC123 sub:001 dlvrd:001 submit date:2501011200 done date:2501011200 stat:DELIVRD err:000 text:";
        const receipt = createPdu("deliver_sm", {
          source_addr: "4915112345678",
          destination_addr: "Starling",
          esm_class: 0x04,
          short_message: Buffer.from(text, "latin1"),
          receipted_message_id: "ABC123",
          message_state: 2,
        });
        session.send(receipt, () => {
          receiptAnsweredAt = Date.now();
        });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  );
  const port = (server.address() as { port: number }).port;

  // The store records receipts only when the test lets it: "stored" is observable.
  const url = `sqlite:${join(tempDir("receipt-ack"), "starling.db")}`;
  const real = await openStore(url);
  cleanups.push(() => real.close());
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let receiptStoredAt: number | undefined;
  const store: Store = {
    ...real,
    delivery: {
      ...real.delivery,
      applyReceipts: async (receipts, now) => {
        await gate;
        await real.delivery.applyReceipts(receipts, now);
        receiptStoredAt ??= Date.now();
      },
    },
  };
  const config = loadConfig(
    {},
    {
      "server.port": 0,
      "database.url": url,
      "log.level": "silent",
      "demo.enabled": false,
      "webhooks.enabled": false,
      "delivery.enabled": true,
      "delivery.simulator.enabled": false,
      "delivery.connectors": [
        { id: "raw", host: "127.0.0.1", port, systemId: "starling", password: "secret" },
      ],
    },
  );
  const gateway: Gateway = await startGateway(config, { store });
  cleanups.push(() => gateway.stop());
  cleanups.push(() => release()); // runs first: a failed assertion must not leave the store blocked
  const deps = gateway.deps;
  const account = await createAccount(deps, { name: "ack", country: "DE", balance: 10 });
  const { token } = await createKey(deps, account.id);

  const sent = await postSms(gateway.url, token, {
    sender_id: "Starling",
    phone: "+4915112345678",
    text: "ack test",
  });
  assert.equal(sent.status, 201);
  // The receipt has reached Starling and is waiting to be stored: it must not be acknowledged yet.
  await pollUntil(() => receiptAnsweredAt !== undefined, 2000, 20);
  await sleep(300);
  assert.equal(
    receiptAnsweredAt,
    undefined,
    "deliver_sm_resp was sent before the receipt was stored: a crash now loses the receipt for good",
  );
  release();
  assert.ok(
    await pollUntil(() => receiptAnsweredAt !== undefined, 5000, 20),
    "the receipt is answered once stored",
  );
  assert.ok(
    receiptStoredAt !== undefined && receiptAnsweredAt! >= receiptStoredAt,
    "answered after it was stored",
  );
  const got = await getJson(gateway.url, token, `/sms/${sent.body.uuid}`);
  assert.equal(got.body.dlr_code, 1);
});

test("the simulator sends a receipt again when its deliver_sm was not answered", {
  timeout: 30_000,
}, async () => {
  const sim = await startSimulator({ host: "127.0.0.1", port: 0, receiptDelayMs: 0 });
  cleanups.push(() => sim.close());

  const bind = async () => {
    const session = connectSession({ host: "127.0.0.1", port: sim.port });
    session.on("error", () => {});
    cleanups.push(() => session.destroy());
    await new Promise((resolve) => session.once("connect", resolve));
    const ask = (pdu: Pdu) => new Promise<Pdu>((resolve) => session.send(pdu, resolve));
    const bound = await ask(createPdu("bind_transceiver", { system_id: "crashy", password: "x" }));
    assert.equal(bound.command_status, 0);
    return { session, ask };
  };

  // First connection: submit, receive the receipt, die without answering it (as a SIGKILLed ESME does).
  const first = await bind();
  const receipts: string[] = [];
  const firstReceipt = new Promise<void>((resolve) => {
    first.session.on("pdu", (pdu: Pdu) => {
      if (pdu.command !== "deliver_sm") return;
      receipts.push(String(pdu.receipted_message_id));
      first.session.destroy();
      resolve();
    });
  });
  const accepted = await first.ask(
    createPdu("submit_sm", {
      source_addr: "Starling",
      destination_addr: "4915112345678",
      registered_delivery: 1,
      short_message: Buffer.from("unanswered receipt"),
    }),
  );
  assert.equal(accepted.command_status, 0);
  await firstReceipt;

  // The ESME comes back: the unanswered receipt must be delivered again.
  const second = await bind();
  const again = await new Promise<string | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 10_000);
    second.session.on("pdu", (pdu: Pdu) => {
      if (pdu.command !== "deliver_sm") return;
      second.session.send(pdu.response());
      clearTimeout(timer);
      resolve(String(pdu.receipted_message_id));
    });
  });
  assert.equal(again, receipts[0], "the receipt that got no deliver_sm_resp is sent again after the rebind");
});
