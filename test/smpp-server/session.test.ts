/**
 * The SMPP server's session rules with raw and library clients: credentials and the shared per-address
 * block, bind kinds and the bind limit, enquire_link both ways, unbind, generic_nack for malformed and
 * unknown PDUs, the window, the per-account throughput limit, reconnects. SQLite only: none of this
 * touches the store beyond logins (submit.test.ts and receipts.test.ts run on both stores).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, it } from "node:test";
import { createPdu } from "../../src/delivery/smpp/lib.js";
import { Status } from "../../src/delivery/smpp/status.js";
import { http, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";
import { eventually } from "../helpers/webhook-receiver.js";
import { gsm, pduBytes, pduReader, rawSocket, smppLogin, TestEsme } from "./esme.js";

const sqlite = storeTargets.find((t) => t.name === "sqlite")!;
const open: { close(): unknown }[] = [];
let gw: TestGateway;

async function gateway(overrides: Record<string, unknown> = {}) {
  gw = await startTestGateway(sqlite, {
    overrides: {
      "smppServer.enabled": true,
      "smppServer.port": 0,
      "smppServer.throughputPerSecond": 0,
      ...overrides,
    },
  });
  open.push({ close: () => gw.stop() });
  return { gw, login: await smppLogin(gw), port: gw.gateway.smppServer!.port };
}

async function esme(port: number) {
  const e = await TestEsme.connect(port);
  open.unshift(e);
  return e;
}

const bindBytes = (systemId: string, password: string, seq = 1) =>
  (
    createPdu("bind_transceiver", { system_id: systemId, password, sequence_number: seq }) as any
  ).toBuffer() as Buffer;

afterEach(async () => {
  for (const r of open.splice(0)) await r.close();
});

describe("SMPP server sessions", () => {
  it("refuses wrong credentials with RINVPASWD / RINVSYSID and blocks the address for HTTP too", async () => {
    const { login, port } = await gateway();
    const e = await esme(port);
    assert.equal(
      (await e.bind("transceiver", login.systemId, "wrong")).command_status,
      Status.ESME_RINVPASWD,
    );
    for (let i = 0; i < 3; i++) {
      const again = await esme(port);
      assert.equal((await again.bind("transmitter", "nosuchid", "x")).command_status, Status.ESME_RINVSYSID);
    }
    // Four bad credentials within the minute: the address is blocked, even with the right ones...
    const blocked = await esme(port);
    assert.equal(
      (await blocked.bind("transceiver", login.systemId, login.password)).command_status,
      Status.ESME_RBINDFAIL,
    );
    // ...and for the HTTP APIs, which share the block.
    const me = await http(gw.url, "GET", "/me", { headers: { "X-LOX24-AUTH-TOKEN": gw.token } });
    assert.equal(me.status, 429);
  });

  it("binds in each mode; a bind may do only what its mode allows; limits binds per account", async () => {
    const { login, port } = await gateway({ "smppServer.maxBindsPerAccount": 2 });
    const tx = await esme(port);
    assert.equal((await tx.bind("transmitter", login.systemId, login.password)).command_status, 0);
    const rx = await esme(port);
    const rxResp = await rx.bind("receiver", login.systemId, login.password);
    assert.equal(rxResp.command_status, 0);
    assert.equal(rxResp.system_id, "Starling");
    assert.equal((await rx.submit({ short_message: gsm("x") })).command_status, Status.ESME_RINVBNDSTS);
    assert.equal(
      (await tx.bind("transmitter", login.systemId, login.password)).command_status,
      0x05,
      "ESME_RALYBND",
    );
    const third = await esme(port);
    assert.equal(
      (await third.bind("transceiver", login.systemId, login.password)).command_status,
      Status.ESME_RBINDFAIL,
    );
    const unbound = await esme(port);
    assert.equal((await unbound.submit({ short_message: gsm("x") })).command_status, Status.ESME_RINVBNDSTS);
    // unbind frees the place; a new bind (a reconnect) works at once
    assert.equal((await tx.request("unbind")).command_status, 0);
    await eventually(() => (tx.closed ? true : undefined));
    const reconnect = await esme(port);
    assert.equal((await reconnect.bind("transceiver", login.systemId, login.password)).command_status, 0);
    assert.equal((await reconnect.submit({ short_message: gsm("after reconnect") })).command_status, 0);
  });

  it("answers enquire_link and asks its own; drops an ESME that stops answering", async () => {
    const { login, port } = await gateway({
      "smppServer.enquireLinkSeconds": 1,
      "smppServer.responseTimeoutMs": 500,
    });
    const e = await esme(port);
    await e.bind("transceiver", login.systemId, login.password);
    assert.equal((await e.request("enquire_link")).command_status, 0);
    await eventually(() => (e.enquireLinks.length > 0 ? true : undefined));
    assert.equal(e.closed, false, "an ESME that answers stays bound");

    const silent = await rawSocket(port);
    open.unshift({ close: () => silent.destroy() });
    const seen = pduReader(silent);
    silent.write(bindBytes(login.systemId, login.password));
    await eventually(() => seen.pdus.find((p) => p.id === 0x80000009));
    const closed = new Promise<boolean>((resolve) => silent.once("close", () => resolve(true)));
    await eventually(() => seen.pdus.find((p) => p.id === 0x00000015), 5000); // enquire_link, never answered
    assert.equal(await closed, true);
  });

  it("answers malformed and unknown PDUs with generic_nack and keeps the session", async () => {
    const { login, port } = await gateway();
    const socket = await rawSocket(port);
    open.unshift({ close: () => socket.destroy() });
    const seen = pduReader(socket);
    socket.write(bindBytes(login.systemId, login.password));
    await eventually(() => seen.pdus.find((p) => p.id === 0x80000009 && p.status === 0));
    // submit_sm whose last TLV (message_state, one octet) has no value octet: the body does not parse.
    const body = Buffer.concat([
      Buffer.from("\0\x05\0S\0\x01\x01491701234567\0\0\0\0\0\0\x01\0\0\0\x01x", "latin1"),
      Buffer.from([0x04, 0x27, 0x00, 0x01]),
    ]);
    socket.write(pduBytes(0x00000004, 7, body));
    socket.write(pduBytes(0x00000077, 8)); // no such command
    socket.write(pduBytes(0x00000015, 9)); // enquire_link: the session still reads
    await eventually(() => seen.pdus.find((p) => p.seq === 9));
    assert.deepEqual(
      seen.pdus.find((p) => p.seq === 7),
      { id: 0x80000000, status: 0x02, seq: 7 },
    );
    assert.deepEqual(
      seen.pdus.find((p) => p.seq === 8),
      { id: 0x80000000, status: Status.ESME_RINVCMDID, seq: 8 },
    );
    assert.deepEqual(
      seen.pdus.find((p) => p.seq === 9),
      { id: 0x80000015, status: 0, seq: 9 },
    );
    // A length that cannot be a PDU loses the framing: generic_nack, then the connection closes.
    const closed = new Promise((resolve) => socket.once("close", resolve));
    const tiny = Buffer.alloc(8);
    tiny.writeUInt32BE(8, 0);
    socket.write(tiny);
    await closed;
    assert.ok(seen.pdus.some((p) => p.id === 0x80000000 && p.status === 0x02 && p.seq === 0));
  });

  it("refuses requests beyond the window with ESME_RTHROTTLED", async () => {
    const { login, port } = await gateway({ "smppServer.window": 2 });
    const socket = await rawSocket(port);
    open.unshift({ close: () => socket.destroy() });
    const seen = pduReader(socket);
    socket.write(bindBytes(login.systemId, login.password));
    await eventually(() => seen.pdus.find((p) => p.id === 0x80000009 && p.status === 0));
    const submits = Array.from(
      { length: 8 },
      (_, i) =>
        (
          createPdu("submit_sm", {
            sequence_number: 100 + i,
            source_addr: "Starling",
            dest_addr_ton: 1,
            destination_addr: "491701234567",
            short_message: gsm(`w${i}`),
          }) as any
        ).toBuffer() as Buffer,
    );
    socket.write(Buffer.concat(submits)); // all at once, without waiting for answers
    await eventually(() => (seen.pdus.filter((p) => p.id === 0x80000004).length === 8 ? true : undefined));
    const answers = seen.pdus.filter((p) => p.id === 0x80000004);
    const ok = answers.filter((p) => p.status === 0).length;
    const throttled = answers.filter((p) => p.status === Status.ESME_RTHROTTLED).length;
    assert.equal(ok + throttled, 8);
    assert.ok(ok >= 2 && throttled >= 1, `ok ${ok}, throttled ${throttled}`);
    assert.ok(ok <= 2 + 1, "no more in flight than the window allows at a time");
  });

  it("limits each account's submits per second with ESME_RTHROTTLED", async () => {
    const { login, port } = await gateway({ "smppServer.throughputPerSecond": 3 });
    const e = await esme(port);
    await e.bind("transmitter", login.systemId, login.password);
    const statuses = await Promise.all(
      Array.from({ length: 6 }, (_, i) => e.submit({ short_message: gsm(`t${i}`) })),
    );
    const codes = statuses.map((s) => s.command_status);
    assert.equal(codes.filter((c) => c === 0).length, 3, String(codes));
    assert.equal(codes.filter((c) => c === Status.ESME_RTHROTTLED).length, 3);
  });

  it("accepts binds over TLS on its own port", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "starling-smpp-server-tls-"));
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
    } catch {
      t.skip("openssl not available");
      return;
    }
    const { login } = await gateway({
      "smppServer.tls": { port: 0, certFile: join(dir, "cert.pem"), keyFile: join(dir, "key.pem") },
    });
    const tlsPort = gw.gateway.smppServer!.tlsPort;
    assert.ok(tlsPort > 0);
    const e = await TestEsme.connect(tlsPort, { tls: true, ca: readFileSync(join(dir, "cert.pem")) });
    open.unshift(e);
    assert.equal((await e.bind("transceiver", login.systemId, login.password)).command_status, 0);
    assert.equal((await e.submit({ short_message: gsm("over TLS") })).command_status, 0);
  });

  it("refuses the parts of a concatenated message that never completes, and charges nothing", async () => {
    const { login, port } = await gateway({ "smppServer.concatTimeoutSeconds": 1 });
    const e = await esme(port);
    await e.bind("transmitter", login.systemId, login.password);
    const balance = async () => (await gw.gateway.store.accounts.get(gw.accountId))!.balanceMicros;
    const before = await balance();
    const part = await e.submit({
      esm_class: 0x40,
      short_message: Buffer.concat([Buffer.from([5, 0, 3, 9, 3, 1]), gsm("1 of 3")]),
    });
    assert.equal(part.command_status, Status.ESME_RSUBMITFAIL);
    assert.equal(await balance(), before);
    const list = await http(gw.url, "GET", "/sms", {
      headers: { "X-LOX24-AUTH-TOKEN": gw.token, Accept: "application/json" },
    });
    assert.deepEqual(list.body, [], "no message was stored");
  });

  it("keeps at most a window of deliver_sm unanswered per bind", async () => {
    const { login, port } = await gateway({ "smppServer.window": 2 });
    const rx = await esme(port);
    rx.answerDelivers = false;
    await rx.bind("receiver", login.systemId, login.password);
    for (let i = 0; i < 5; i++) {
      await gw.gateway.smppServer!.queueInbound(gw.accountId, {
        connectorId: "test",
        from: "491701111111",
        to: "491709999999",
        text: `mo ${i}`,
        receivedAt: Date.now(),
      });
    }
    await eventually(() => (rx.delivers.length === 2 ? true : undefined)).catch((e) => {
      throw new Error(`${e.message}: ${rx.delivers.length} delivered`);
    });
    await new Promise((r) => setTimeout(r, 600)); // a few pump rounds: still no third
    assert.equal(rx.delivers.length, 2);
    rx.answerDelivers = true;
    for (const d of rx.delivers.splice(0)) rx.lib.send(d.response());
    await eventually(() => (rx.delivers.length === 3 ? true : undefined));
  });
});
