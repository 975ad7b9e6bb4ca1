/**
 * Session behaviour against a hand-scripted SMSC (the smpp library's server with per-test handlers), for
 * peers that misbehave in ways the simulator's scenarios do not cover.
 */
import assert from "node:assert/strict";
import { after, afterEach, describe, test } from "node:test";
import { createSmppConnector, type SmppConnectorInput } from "../../src/delivery/smpp/index.js";
import { createLibServer, createPdu, type LibSession, type Pdu } from "../../src/delivery/smpp/lib.js";
import { FAST, onceEvent, request, silent, sleep, trackUnhandled, waitFor } from "./helpers.js";

const unhandled = trackUnhandled();
after(() => {
  unhandled.dispose();
  assert.deepEqual(unhandled.errors, [], "no uncaught errors or unhandled rejections");
});

/** Everything a test opened, closed after it even when it failed (an open socket would keep node alive). */
const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const item of opened.splice(0).reverse()) await item.close();
});

type Handler = (session: LibSession, pdu: Pdu, smsc: ScriptedSmsc) => boolean | undefined;

interface ScriptedSmsc {
  port: number;
  binds: number;
  received: Pdu[];
  sessions: Set<LibSession>;
  close(): Promise<void>;
}

/** Answers binds, enquire_link and submit_sm normally unless `handler` returns true (handled). */
async function scriptedSmsc(handler: Handler = () => false): Promise<ScriptedSmsc> {
  let nextId = 1;
  const smsc: ScriptedSmsc = {
    port: 0,
    binds: 0,
    received: [],
    sessions: new Set(),
    close: async () => {},
  };
  const server = createLibServer({}, (session) => {
    smsc.sessions.add(session);
    session.on("error", () => session.destroy());
    session.on("close", () => smsc.sessions.delete(session));
    session.on("pdu", (pdu: Pdu) => {
      smsc.received.push(pdu);
      if (handler(session, pdu, smsc)) return;
      if (pdu.command === "bind_transceiver") {
        smsc.binds++;
        session.send(pdu.response({ system_id: "SCRIPT" }));
      } else if (pdu.command === "enquire_link" || pdu.command === "unbind") {
        session.send(pdu.response());
      } else if (pdu.command === "submit_sm") {
        session.send(pdu.response({ message_id: String(nextId++) }));
      }
    });
  });
  opened.push(smsc);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  smsc.port = typeof address === "object" && address ? address.port : 0;
  let closed: Promise<void> | undefined;
  smsc.close = () => {
    closed ??= new Promise<void>((resolve) => {
      for (const session of smsc.sessions) session.destroy();
      server.close(() => resolve());
    });
    return closed;
  };
  return smsc;
}

function connectorFor(smsc: ScriptedSmsc, options: Partial<SmppConnectorInput> = {}) {
  const connector = createSmppConnector(
    { id: "s", host: "127.0.0.1", port: smsc.port, systemId: "a", password: "b", ...FAST, ...options },
    silent,
  );
  opened.push({ close: () => connector.stop() });
  return connector;
}

function received(smsc: ScriptedSmsc, command: string): Pdu[] {
  return smsc.received.filter((p) => p.command === command);
}

describe("session", () => {
  test("enquire_link every N seconds; an unanswered one drops the bind and it binds again", async () => {
    let answerEnquire = true;
    const smsc = await scriptedSmsc((session, pdu) => {
      if (pdu.command !== "enquire_link") return false;
      if (answerEnquire) session.send(pdu.response());
      return true;
    });
    const connector = connectorFor(smsc, { enquireLinkSeconds: 0.05, responseTimeoutMs: 400 });
    const downs: unknown[] = [];
    connector.on("down", (e) => downs.push(e));
    const up = onceEvent(connector, "up");
    await connector.start();
    await up;
    await waitFor(() => received(smsc, "enquire_link").length >= 2, 2000, "enquire_links");
    assert.deepEqual(downs, [], "answered enquire_links keep the bind");
    answerEnquire = false;
    const [error] = await onceEvent<[Error]>(connector, "down", 3000);
    assert.match(error.message, /enquire_link not answered/);
    answerEnquire = true;
    await onceEvent(connector, "up", 3000);
    assert.equal(smsc.binds, 2);
    await connector.stop();
    await smsc.close();
  });

  test("the SMSC unbinds: we answer unbind_resp, then bind again", async () => {
    const smsc = await scriptedSmsc();
    const connector = connectorFor(smsc);
    const up = onceEvent(connector, "up");
    await connector.start();
    await up;
    const [session] = [...smsc.sessions];
    const down = onceEvent(connector, "down");
    const answered = new Promise<Pdu>((resolve) => session!.send(createPdu("unbind"), resolve));
    assert.equal((await answered).command, "unbind_resp");
    await down;
    await onceEvent(connector, "up", 5000);
    assert.equal(smsc.binds, 2);
    await connector.stop();
    await smsc.close();
  });

  test("requests from the SMSC: enquire_link answered, unknown ones get generic_nack, deliver_sm always acked", async () => {
    const smsc = await scriptedSmsc();
    const connector = connectorFor(smsc);
    const up = onceEvent(connector, "up");
    await connector.start();
    await up;
    const [session] = [...smsc.sessions];
    const ask = (pdu: Pdu) => new Promise<Pdu>((resolve) => session!.send(pdu, resolve));
    assert.equal((await ask(createPdu("enquire_link"))).command, "enquire_link_resp");
    const nack = await ask(createPdu("query_sm", { message_id: "1" }));
    assert.equal(nack.command, "generic_nack");
    assert.equal(nack.command_status, 0x03);
    // a receipt nobody can parse still gets its deliver_sm_resp, so the SMSC does not resend forever
    const garbage = await ask(createPdu("deliver_sm", { esm_class: 0x04, short_message: Buffer.from("?!") }));
    assert.deepEqual([garbage.command, garbage.command_status], ["deliver_sm_resp", 0]);
    assert.ok(connector.isUp());
    await connector.stop();
    await smsc.close();
  });

  test("deliver_sm is answered once the listener's waitUntil work settles: ROK, or RX_T_APPN on failure", async () => {
    const smsc = await scriptedSmsc();
    const connector = connectorFor(smsc);
    let release: () => void = () => {};
    let mode: "wait" | "fail" | "throw" | "ignore" = "wait";
    connector.on("receipt", (event) => {
      const ackable = event as typeof event & { waitUntil(work: Promise<unknown>): void };
      if (mode === "wait") ackable.waitUntil(new Promise<void>((resolve) => (release = resolve)));
      if (mode === "fail") ackable.waitUntil(Promise.reject(new Error("store down")));
      if (mode === "throw") throw new Error("listener bug");
    });
    const up = onceEvent(connector, "up");
    await connector.start();
    await up;
    const [session] = [...smsc.sessions];
    const receipt = (id: string) =>
      createPdu("deliver_sm", {
        esm_class: 0x04,
        short_message: Buffer.from(`id:${id} stat:DELIVRD err:000`),
      });
    let answeredAt: number | undefined;
    const answered = new Promise<Pdu>((resolve) =>
      session!.send(receipt("A1"), (pdu: Pdu) => {
        answeredAt = Date.now();
        resolve(pdu);
      }),
    );
    await sleep(100);
    assert.equal(answeredAt, undefined, "not answered while the work is pending");
    release();
    assert.equal((await answered).command_status, 0);
    const ask = (pdu: Pdu) => new Promise<Pdu>((resolve) => session!.send(pdu, resolve));
    mode = "fail";
    assert.equal((await ask(receipt("A2"))).command_status, 0x64);
    mode = "throw";
    assert.equal((await ask(receipt("A3"))).command_status, 0x64);
    mode = "ignore";
    assert.equal((await ask(receipt("A4"))).command_status, 0);
    assert.ok(connector.isUp());
  });

  test("generic_nack to a submit maps by its status; ESME_RINVBNDSTS triggers a fresh bind", async () => {
    let reply: "nack" | "unbound" | "ok" = "nack";
    const smsc = await scriptedSmsc((session, pdu) => {
      if (pdu.command !== "submit_sm" || reply === "ok") return false;
      const status = reply === "nack" ? 0x08 : 0x04;
      session.send(
        createPdu(reply === "nack" ? "generic_nack" : "submit_sm_resp", {
          sequence_number: pdu.sequence_number,
          command_status: status,
        }),
      );
      return true;
    });
    const connector = connectorFor(smsc);
    const up = onceEvent(connector, "up");
    await connector.start();
    await up;
    const nacked = await connector.submit(request("x"));
    assert.ok(!nacked.ok);
    assert.deepEqual([nacked.kind, nacked.commandStatus], ["temporary", 0x08]);
    reply = "unbound";
    const down = onceEvent(connector, "down");
    const refused = await connector.submit(request("y"));
    assert.ok(!refused.ok && refused.kind === "temporary");
    await down;
    reply = "ok";
    await onceEvent(connector, "up", 5000);
    assert.ok((await connector.submit(request("z"))).ok);
    await connector.stop();
    await smsc.close();
  });

  test("garbage on the wire ends the connection without crashing; a late response is ignored", async () => {
    let mode: "late" | "garbage" = "late";
    const smsc = await scriptedSmsc((session, pdu) => {
      if (pdu.command !== "submit_sm") return false;
      if (mode === "late") {
        setTimeout(() => session.send(pdu.response({ message_id: "late" })), 300);
      } else {
        session.socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
      }
      return true;
    });
    const connector = connectorFor(smsc, { responseTimeoutMs: 60 });
    const up = onceEvent(connector, "up");
    await connector.start();
    await up;
    const late = await connector.submit(request("x"));
    assert.ok(!late.ok && late.kind === "unknown");
    await sleep(350); // the late answer arrives and finds nobody waiting
    assert.ok(connector.isUp());
    mode = "garbage";
    const down = onceEvent<[Error]>(connector, "down");
    const broken = await connector.submit(request("y"));
    assert.ok(!broken.ok && broken.kind === "unknown");
    assert.match((await down)[0].message, /too large/);
    await onceEvent(connector, "up", 5000);
    await connector.stop();
    await smsc.close();
  });

  test("an SMSC that accepts TCP but never answers the bind: retried with backoff", async () => {
    const smsc = await scriptedSmsc((_session, pdu) => pdu.command === "bind_transceiver");
    const connector = connectorFor(smsc, { responseTimeoutMs: 50, reconnect: { minMs: 10, maxMs: 20 } });
    await connector.start();
    await waitFor(() => received(smsc, "bind_transceiver").length >= 3, 2000, "bind retries");
    assert.equal(connector.isUp(), false);
    await connector.stop();
    await smsc.close();
  });
});
