/** The SMPP connector against the built-in simulator over real sessions on 127.0.0.1. */
import assert from "node:assert/strict";
import { after, afterEach, describe, test } from "node:test";
import type { InboundEvent, ReceiptEvent } from "../../src/delivery/connector.js";
import { startSimulator } from "../../src/delivery/simulator/index.js";
import { createSmppConnector } from "../../src/delivery/smpp/index.js";
import {
  closeAll,
  FAST,
  onceEvent,
  request,
  silent,
  sleep,
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

function collect<T>(emitter: { on(event: string, fn: (value: T) => void): unknown }, event: string): T[] {
  const items: T[] = [];
  emitter.on(event, (value: T) => items.push(value));
  return items;
}

describe("submit", () => {
  test("single GSM part: accepted once, fields as sent, receipt matches the id", async () => {
    const pair = await startPair();
    try {
      const receipts = collect<ReceiptEvent>(pair.connector, "receipt");
      const result = await pair.connector.submit(request("Hello {world} €", { source: "+4915112345678" }));
      assert.equal(result.ok, true);
      assert.ok(result.ok);
      assert.equal(result.smscIds.length, 1);
      const [record] = pair.sim.stats.submits;
      assert.equal(pair.sim.stats.accepted, 1);
      assert.equal(record?.text, "Hello {world} €");
      assert.deepEqual([record?.source, record?.sourceTon, record?.sourceNpi], ["4915112345678", 1, 1]);
      assert.deepEqual([record?.destination, record?.destTon, record?.destNpi], ["491701234567", 1, 1]);
      assert.deepEqual([record?.dataCoding, record?.esmClass, record?.registeredDelivery], [0, 0, 1]);
      await waitFor(() => receipts.length === 1, 2000, "receipt");
      assert.equal(receipts[0]?.smscId, result.smscIds[0]);
      assert.equal(receipts[0]?.state, "DELIVRD");
      assert.equal(receipts[0]?.connectorId, "test");
      assert.ok(receipts[0]?.doneAt instanceof Date);
      // what finds a copy whose answer was lost: the original addresses swapped, submit date, text start
      assert.equal(receipts[0]?.source, "491701234567");
      assert.equal(receipts[0]?.destination, "4915112345678");
      assert.ok(receipts[0]?.submittedAt instanceof Date);
      assert.equal(receipts[0]?.text, "Hello {world} ?");
    } finally {
      await pair.close();
    }
  });

  test("multipart GSM: UDH per part with one reference, reassembled text equals the original", async () => {
    const pair = await startPair();
    try {
      const text = "Long GSM message with escapes [] {} ~ | ^ € and more text. ".repeat(6);
      const req = request(text);
      assert.ok(req.parts.length >= 3);
      const result = await pair.connector.submit(req);
      assert.ok(result.ok);
      assert.equal(result.smscIds.length, req.parts.length);
      const records = pair.sim.stats.submits;
      assert.equal(records.length, req.parts.length);
      assert.equal(new Set(records.map((r) => r.concat?.ref)).size, 1);
      assert.deepEqual(
        records.map((r) => [r.concat?.seq, r.concat?.total, r.esmClass, r.concatVia]),
        req.parts.map((_, i) => [i + 1, req.parts.length, 0x40, "udh"]),
      );
      assert.equal(pair.sim.stats.messages.length, 1);
      assert.equal(pair.sim.stats.messages[0]?.text, text);
      assert.deepEqual(pair.sim.stats.messages[0]?.smscIds, result.smscIds);
    } finally {
      await pair.close();
    }
  });

  test("multipart UCS-2 with emoji on part boundaries", async () => {
    const pair = await startPair();
    try {
      const text = `Grüße aus Köln 👋🏽 ${"😀".repeat(40)} Ω and 中文 ${"👍".repeat(30)}`;
      const req = request(text);
      assert.equal(req.encoding, "ucs2");
      const result = await pair.connector.submit(req);
      assert.ok(result.ok);
      assert.equal(pair.sim.stats.messages[0]?.text, text);
      assert.equal(pair.sim.stats.messages[0]?.dataCoding, 8);
      for (const record of pair.sim.stats.submits) assert.equal(record.dataCoding, 8);
    } finally {
      await pair.close();
    }
  });

  test("SAR concatenation and packed GSM, when the SMSC wants them", async () => {
    const pair = await startPair({ gsm7Packing: "packed" }, { concatenation: "sar", gsm7Packing: "packed" });
    try {
      const text = "Packed septets across parts, with an escape € at the end of a part ".repeat(4);
      const result = await pair.connector.submit(request(text));
      assert.ok(result.ok);
      const records = pair.sim.stats.submits;
      assert.ok(records.every((r) => r.concatVia === "sar" && r.esmClass === 0));
      assert.equal(pair.sim.stats.messages[0]?.text, text);
    } finally {
      await pair.close();
    }
  });

  test("an SMSC that expects Latin-1 for data_coding 0", async () => {
    const pair = await startPair({ defaultAlphabet: "latin1" }, { defaultAlphabet: "latin1" });
    try {
      const result = await pair.connector.submit(request("Grüße, Søren"));
      assert.ok(result.ok);
      assert.equal(pair.sim.stats.messages[0]?.text, "Grüße, Søren");
    } finally {
      await pair.close();
    }
  });

  test("validity period reaches the SMSC as a relative time it understands", async () => {
    const pair = await startPair();
    const result = await pair.connector.submit(request("valid for an hour", { validitySeconds: 3600 }));
    assert.ok(result.ok);
    const until = pair.sim.stats.submits[0]?.validUntil?.getTime() ?? 0;
    assert.ok(
      Math.abs(until - (Date.now() + 3600_000)) < 10_000,
      `validUntil ${new Date(until).toISOString()}`,
    );
  });

  test("an invalid destination fails permanently without reaching the SMSC", async () => {
    const pair = await startPair();
    try {
      const result = await pair.connector.submit(request("x", { destination: "+49-not-a-number" }));
      assert.equal(result.ok, false);
      assert.ok(!result.ok && result.kind === "permanent");
      assert.equal(pair.sim.stats.submitsReceived, 0);
    } finally {
      await pair.close();
    }
  });

  test("many concurrent submits: each accepted exactly once", async () => {
    const pair = await startPair({}, { window: 10 });
    try {
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => pair.connector.submit(request(`message ${i}`))),
      );
      assert.ok(results.every((r) => r.ok));
      assert.equal(pair.sim.stats.accepted, 200);
      const texts = new Set(pair.sim.stats.messages.map((m) => m.text));
      assert.equal(texts.size, 200);
    } finally {
      await pair.close();
    }
  });
});

describe("receipt id formats", () => {
  const cases = [
    { name: "hex both sides", sim: { idFormat: "hex" as const }, conn: { receiptIdFormat: "hex" as const } },
    {
      name: "decimal both sides",
      sim: { idFormat: "decimal" as const },
      conn: { receiptIdFormat: "decimal" as const },
    },
    {
      name: "hex in submit_sm_resp, zero-padded decimal in receipts",
      sim: { idFormat: "hex" as const, receiptIdFormat: "decimal" as const, receiptIdPad: 12 },
      conn: { submitIdFormat: "hex" as const, receiptIdFormat: "decimal" as const },
    },
    {
      name: "decimal in submit_sm_resp, hex in receipts",
      sim: { idFormat: "decimal" as const, receiptIdFormat: "hex" as const },
      conn: { submitIdFormat: "decimal" as const, receiptIdFormat: "hex" as const },
    },
    {
      name: "hex, zero-padded in text-only receipts (no TLVs)",
      sim: { idFormat: "hex" as const, receiptIdPad: 16, receiptTlvs: false },
      conn: { receiptIdFormat: "hex" as const },
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const pair = await startPair(c.sim, c.conn);
      try {
        const receipts = collect<ReceiptEvent>(pair.connector, "receipt");
        const result = await pair.connector.submit(request("x".repeat(170)));
        assert.ok(result.ok);
        await waitFor(() => receipts.length === 2, 2000, "two receipts");
        assert.deepEqual(receipts.map((r) => r.smscId).sort(), [...result.smscIds].sort());
        const record = pair.sim.stats.submits[0]!;
        assert.notEqual(record.smscId, "");
      } finally {
        await pair.close();
      }
    });
  }
});

describe("receipt durability", () => {
  test("a receipt whose processing failed is answered RX_T_APPN and arrives again", async () => {
    const pair = await startPair({ receiptRetryMs: 20 });
    let attempts = 0;
    pair.connector.on("receipt", (event) => {
      attempts++;
      const ackable = event as typeof event & { waitUntil(work: Promise<unknown>): void };
      ackable.waitUntil(attempts === 1 ? Promise.reject(new Error("store unavailable")) : Promise.resolve());
    });
    const result = await pair.connector.submit(request("durable"));
    assert.ok(result.ok);
    await waitFor(() => pair.sim.stats.receiptsAcknowledged === 1, 3000, "receipt stored on the second try");
    assert.equal(attempts, 2);
    assert.equal(pair.sim.stats.receiptsResent, 1);
  });
});

describe("inbound", () => {
  test("a message from a handset arrives as an inbound event; long ones reassembled", async () => {
    const pair = await startPair();
    try {
      const inbound = collect<InboundEvent>(pair.connector, "inbound");
      await pair.sim.sendInbound({ from: "+491701234567", to: "+4915112345678", text: "STOP" });
      const long = `Antwort 😀 ${"lang ".repeat(40)}`;
      await pair.sim.sendInbound({ from: "+491701234567", to: "12345", text: long });
      await waitFor(() => inbound.length === 2, 2000, "inbound events");
      assert.deepEqual(
        inbound.map((e) => [e.from, e.to, e.text, e.connectorId]),
        [
          ["+491701234567", "+4915112345678", "STOP", "test"],
          ["+491701234567", "12345", long, "test"],
        ],
      );
      assert.equal(pair.sim.stats.receiptsSent, 0, "inbound messages are not receipts");
    } finally {
      await pair.close();
    }
  });
});

describe("lifecycle", () => {
  test("stop() unbinds cleanly and emits down without an error", async () => {
    const pair = await startPair();
    const down = onceEvent<[Error | undefined]>(pair.connector, "down");
    await pair.connector.stop();
    const [error] = await down;
    assert.equal(error, undefined);
    assert.equal(pair.connector.isUp(), false);
    assert.equal(pair.sim.stats.unbinds, 1);
    await waitFor(() => pair.sim.boundSessions === 0, 1000, "simulator sees the bind gone");
    const after = await pair.connector.submit(request("late"));
    assert.ok(!after.ok && after.kind === "temporary");
    await pair.sim.close();
  });

  test("a stopped connector can be started again", async () => {
    const pair = await startPair();
    await pair.connector.stop();
    const up = onceEvent(pair.connector, "up");
    await pair.connector.start();
    await up;
    assert.ok((await pair.connector.submit(request("again"))).ok);
    assert.equal(pair.sim.stats.binds, 2);
  });

  test("a connector that is not bound answers temporary 'connector down' at once", async () => {
    const sim = await startSimulator({ port: 0, logger: silent });
    const port = sim.port;
    await sim.close();
    const connector = track(
      createSmppConnector(
        { id: "down", host: "127.0.0.1", port, systemId: "a", password: "b", ...FAST },
        silent,
      ),
    );
    await connector.start();
    const start = Date.now();
    const result = await connector.submit(request("x"));
    assert.deepEqual(result, { ok: false, kind: "temporary", reason: "connector down", acceptedSmscIds: [] });
    assert.ok(Date.now() - start < 500, "no connect attempt, no timeout");
    await sleep(60); // a few refused reconnects, none of them fatal
    await connector.stop();
  });

  test("bind credentials: wrong password is refused and retried, right ones bind", async () => {
    const sim = track(
      await startSimulator({ port: 0, logger: silent, systemId: "starling", password: "secret" }),
    );
    const wrong = track(
      createSmppConnector(
        { id: "wrong", host: "127.0.0.1", port: sim.port, systemId: "starling", password: "nope", ...FAST },
        silent,
      ),
    );
    await wrong.start();
    await waitFor(() => sim.stats.bindFailures >= 2, 2000, "bind failures");
    assert.equal(wrong.isUp(), false);
    await wrong.stop();
    const right = track(
      createSmppConnector(
        { id: "right", host: "127.0.0.1", port: sim.port, systemId: "starling", password: "secret", ...FAST },
        silent,
      ),
    );
    const up = onceEvent(right, "up");
    await right.start();
    await up;
    assert.ok((await right.submit(request("x"))).ok);
    await right.stop();
    await sim.close();
  });

  test("transmitter + receiver binds: submit on one, receipts and inbound on the other", async () => {
    const pair = await startPair({}, { bindMode: "transmitter_receiver" });
    try {
      await waitFor(() => pair.sim.boundSessions === 2, 1000, "two binds");
      const receipts = collect<ReceiptEvent>(pair.connector, "receipt");
      const inbound = collect<InboundEvent>(pair.connector, "inbound");
      const result = await pair.connector.submit(request("split binds"));
      assert.ok(result.ok);
      await pair.sim.sendInbound({ from: "+491701234567", to: "Starling", text: "hi" });
      await waitFor(() => receipts.length === 1 && inbound.length === 1, 2000, "receipt and inbound");
      assert.equal(receipts[0]?.smscId, result.smscIds[0]);
    } finally {
      await pair.close();
    }
    assert.equal(pair.sim.stats.unbinds, 2);
  });
});
