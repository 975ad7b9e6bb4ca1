/** The simulator on its own: binds, codes, stats, CLI parsing, TLS. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, describe, test } from "node:test";
import { parseSimulatorArgs, runSimulatorCli, startSimulator } from "../../src/delivery/simulator/index.js";
import { createSmppConnector } from "../../src/delivery/smpp/index.js";
import { connectSession, createPdu, type LibSession, type Pdu } from "../../src/delivery/smpp/lib.js";
import {
  closeAll,
  FAST,
  onceEvent,
  request,
  silent,
  startPair,
  track,
  trackUnhandled,
  waitFor,
} from "./helpers.js";

const unhandled = trackUnhandled();
afterEach(closeAll);
after(() => {
  unhandled.dispose();
  assert.deepEqual(unhandled.errors, [], "no uncaught errors or unhandled rejections");
});

/** A bare library session to the simulator, for checking exact command_status values. */
async function rawSession(port: number): Promise<{ session: LibSession; ask(pdu: Pdu): Promise<Pdu> }> {
  const session = connectSession({ host: "127.0.0.1", port });
  session.on("error", () => {});
  track({ close: async () => session.destroy() });
  await new Promise((resolve) => session.once("connect", resolve));
  return { session, ask: (pdu) => new Promise((resolve) => session.send(pdu, resolve)) };
}

describe("simulator binds", () => {
  test("wrong system_id → ESME_RBINDFAIL, wrong password → ESME_RINVPASWD, right → ok", async () => {
    const sim = track(
      await startSimulator({ port: 0, logger: silent, systemId: "starling", password: "secret" }),
    );
    const bind = async (system_id: string, password: string) => {
      const { ask } = await rawSession(sim.port);
      return (await ask(createPdu("bind_transceiver", { system_id, password }))).command_status;
    };
    assert.equal(await bind("other", "secret"), 0x0d);
    assert.equal(await bind("starling", "wrong"), 0x0e);
    assert.equal(await bind("starling", "secret"), 0);
    assert.equal(sim.stats.bindFailures, 2);
    assert.equal(sim.stats.binds, 1);
  });

  test("submit before bind or on a receiver bind → ESME_RINVBNDSTS; a second bind → ESME_RALYBND", async () => {
    const sim = track(await startSimulator({ port: 0, logger: silent }));
    const { ask } = await rawSession(sim.port);
    const submit = () =>
      createPdu("submit_sm", { destination_addr: "49170", short_message: Buffer.from("x") });
    assert.equal((await ask(submit())).command_status, 0x04);
    assert.equal(
      (await ask(createPdu("bind_receiver", { system_id: "a", password: "b" }))).command_status,
      0,
    );
    assert.equal((await ask(submit())).command_status, 0x04);
    assert.equal(
      (await ask(createPdu("bind_transceiver", { system_id: "a", password: "b" }))).command_status,
      0x05,
    );
    assert.equal(sim.stats.submitsReceived, 0);
  });

  test("receipts for a transmitter-only bind wait for a receiver of the same system_id", async () => {
    const sim = track(await startSimulator({ port: 0, logger: silent, receiptDelayMs: 0 }));
    const tx = await rawSession(sim.port);
    await tx.ask(createPdu("bind_transmitter", { system_id: "shop", password: "x" }));
    const accepted = await tx.ask(
      createPdu("submit_sm", {
        destination_addr: "491701234567",
        registered_delivery: 1,
        data_coding: 0,
        short_message: Buffer.from("hi"),
      }),
    );
    assert.equal(accepted.command_status, 0);
    await waitFor(() => sim.stats.accepted === 1, 1000, "accepted");
    assert.equal(sim.stats.receiptsSent, 0);
    const rx = await rawSession(sim.port);
    const receipt = new Promise<Pdu>((resolve) =>
      rx.session.on("deliver_sm", (pdu: Pdu) => {
        rx.session.send(pdu.response());
        resolve(pdu);
      }),
    );
    await rx.ask(createPdu("bind_receiver", { system_id: "shop", password: "x" }));
    const pdu = await receipt;
    assert.equal(pdu.esm_class, 0x04);
    assert.equal(pdu.receipted_message_id, accepted.message_id);
    assert.equal(pdu.message_state, 2);
  });

  test("a receipt the ESME never answered is sent again after it binds again", async () => {
    const sim = track(await startSimulator({ port: 0, logger: silent, receiptDelayMs: 0 }));
    const first = await rawSession(sim.port);
    await first.ask(createPdu("bind_transceiver", { system_id: "crashy", password: "x" }));
    const firstReceipt = new Promise<Pdu>((resolve) =>
      first.session.on("deliver_sm", (pdu: Pdu) => {
        first.session.destroy(); // dies without answering, as a SIGKILLed ESME does
        resolve(pdu);
      }),
    );
    const accepted = await first.ask(
      createPdu("submit_sm", {
        destination_addr: "491701234567",
        registered_delivery: 1,
        short_message: Buffer.from("x"),
      }),
    );
    assert.equal((await firstReceipt).receipted_message_id, accepted.message_id);
    const second = await rawSession(sim.port);
    const again = new Promise<Pdu>((resolve) =>
      second.session.on("deliver_sm", (pdu: Pdu) => {
        second.session.send(pdu.response());
        resolve(pdu);
      }),
    );
    await second.ask(createPdu("bind_transceiver", { system_id: "crashy", password: "x" }));
    assert.equal((await again).receipted_message_id, accepted.message_id);
    await waitFor(() => sim.stats.receiptsAcknowledged === 1, 2000, "acknowledged");
    assert.deepEqual([sim.stats.receiptsSent, sim.stats.receiptsResent], [1, 1]);
  });

  test("a receipt refused with an error is sent again on the same bind", async () => {
    const sim = track(
      await startSimulator({ port: 0, logger: silent, receiptDelayMs: 0, receiptRetryMs: 20 }),
    );
    const esme = await rawSession(sim.port);
    let deliveries = 0;
    esme.session.on("deliver_sm", (pdu: Pdu) => {
      deliveries++;
      esme.session.send(pdu.response(deliveries === 1 ? { command_status: 0x64 } : {}));
    });
    await esme.ask(createPdu("bind_transceiver", { system_id: "busy", password: "x" }));
    await esme.ask(
      createPdu("submit_sm", {
        destination_addr: "491701234567",
        registered_delivery: 1,
        short_message: Buffer.from("x"),
      }),
    );
    await waitFor(() => sim.stats.receiptsAcknowledged === 1, 2000, "second attempt acknowledged");
    assert.equal(deliveries, 2);
  });

  test("sendInbound without a receiving bind is refused", async () => {
    const sim = track(await startSimulator({ port: 0, logger: silent }));
    await assert.rejects(
      sim.sendInbound({ from: "+491701234567", to: "Shop", text: "x" }),
      /no receiving bind/,
    );
  });

  test("stats.reset() and the submit/message events", async () => {
    const pair = await startPair();
    const submits: unknown[] = [];
    const messages: unknown[] = [];
    pair.sim.on("submit", (r) => submits.push(r));
    pair.sim.on("message", (m) => messages.push(m));
    await pair.connector.submit(request("y".repeat(200)));
    assert.deepEqual([submits.length, messages.length], [2, 1]);
    pair.sim.stats.reset();
    assert.deepEqual(
      [pair.sim.stats.accepted, pair.sim.stats.submits.length, pair.sim.stats.binds],
      [0, 0, 0],
    );
  });
});

describe("simulator CLI", () => {
  test("arguments map to options", () => {
    assert.deepEqual(
      parseSimulatorArgs([
        "--port",
        "2776",
        "--scenario",
        "reject",
        "--receipt-delay-ms",
        "50",
        "--reject-prefix",
        "+4917",
        "--reject-at",
        "receipt",
        "--id-format",
        "decimal",
      ]),
      {
        port: 2776,
        scenario: "reject",
        scenarioOptions: { rejectPrefix: "+4917", rejectAt: "receipt" },
        receiptDelayMs: 50,
        idFormat: "decimal",
      },
    );
    assert.deepEqual(parseSimulatorArgs([]), { scenario: "deliver", scenarioOptions: {} });
  });

  test("--help prints the usage and starts nothing", async () => {
    const write = process.stdout.write;
    let printed = "";
    process.stdout.write = ((chunk: string) => {
      printed += chunk;
      return true;
    }) as typeof process.stdout.write;
    let result: ReturnType<typeof runSimulatorCli>;
    try {
      result = runSimulatorCli(["--help"], { logger: silent, signals: false }); // prints synchronously
    } finally {
      process.stdout.write = write;
    }
    assert.equal(await result, undefined);
    assert.match(printed, /--scenario/);
  });

  test("bad arguments are refused with a reason", () => {
    assert.throws(() => parseSimulatorArgs(["--scenario", "chaos"]), /--scenario must be one of/);
    assert.throws(() => parseSimulatorArgs(["--port", "70000"]), /--port/);
    assert.throws(() => parseSimulatorArgs(["--reject-fraction", "2"]), /--reject-fraction/);
    assert.throws(() => parseSimulatorArgs(["--bogus"]), /bogus/);
  });

  test("runSimulatorCli starts a simulator that a connector can use", async () => {
    const sim = track(
      (await runSimulatorCli(["--port", "0", "--scenario", "expire"], { logger: silent, signals: false }))!,
    );
    assert.equal(sim.scenario, "expire");
    const connector = track(
      createSmppConnector(
        { id: "cli", host: "127.0.0.1", port: sim.port, systemId: "a", password: "b", ...FAST },
        silent,
      ),
    );
    const up = onceEvent(connector, "up");
    await connector.start();
    await up;
    const receipt = onceEvent<[{ state: string }]>(connector, "receipt");
    assert.ok((await connector.submit(request("x"))).ok);
    assert.equal((await receipt)[0].state, "EXPIRED");
  });
});

describe("TLS", () => {
  const dir = mkdtempSync(join(tmpdir(), "starling-smpp-tls-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let cert: Buffer | undefined;
  let key: Buffer | undefined;
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    cert = readFileSync(join(dir, "cert.pem"));
    key = readFileSync(join(dir, "key.pem"));
  } catch {
    // no openssl: the test below reports itself skipped with the reason
  }

  test("submit and receipt over SMPP/TLS with a pinned CA", {
    skip: cert ? false : "openssl not available",
  }, async () => {
    const pair = await startPair(
      { tls: { key: key!, cert: cert! } },
      { tls: true, tlsOptions: { ca: cert! } },
    );
    const receipt = onceEvent(pair.connector, "receipt");
    const result = await pair.connector.submit(request("over TLS"));
    assert.ok(result.ok);
    await receipt;
    assert.equal(pair.sim.stats.messages[0]?.text, "over TLS");
  });

  test("an untrusted certificate never binds", { skip: cert ? false : "openssl not available" }, async () => {
    const sim = track(await startSimulator({ port: 0, logger: silent, tls: { key: key!, cert: cert! } }));
    const connector = track(
      createSmppConnector(
        { id: "tls", host: "127.0.0.1", port: sim.port, systemId: "a", password: "b", tls: true, ...FAST },
        silent,
      ),
    );
    await connector.start();
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(connector.isUp(), false);
    assert.equal(sim.stats.binds, 0);
  });
});
