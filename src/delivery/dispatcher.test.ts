/** The dispatcher's rules for long messages, on the in-memory store with a scripted connector: fast. */
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { describe, it } from "node:test";
import { pino } from "pino";
import { systemClock } from "../app/deps.js";
import { Dlr, Status } from "../core/message.js";
import { storedMessage } from "../../test/helpers/messages.js";
import { openMemoryStore } from "../store/memory/index.js";
import type { Connector, ConnectorEvents, SubmitRequest, SubmitResult } from "./connector.js";
import { Dispatcher } from "./dispatcher.js";

class ScriptedConnector extends EventEmitter<ConnectorEvents> implements Connector {
  readonly requests: SubmitRequest[] = [];
  up = true;
  constructor(
    readonly id: string,
    private readonly script: ((request: SubmitRequest) => SubmitResult)[],
  ) {
    super();
  }
  async start() {}
  async stop() {}
  isUp() {
    return this.up;
  }
  async submit(request: SubmitRequest): Promise<SubmitResult> {
    this.requests.push(request);
    const next = this.script.shift();
    if (!next) return { ok: false, kind: "temporary", reason: "script ended", acceptedSmscIds: [] };
    return next(request);
  }
}

const THREE_PARTS = "x".repeat(400);

async function run(connectors: ScriptedConnector[], validityMs = 60_000) {
  const store = openMemoryStore();
  const a = await store.accounts.create(
    { name: "t", country: "DE", currency: "EUR", balanceMicros: 1_000_000, webhookSecret: "s" },
    Date.now(),
  );
  const m = storedMessage(a.id, { text: THREE_PARTS, partsCount: 3, priceMicros: 210_000 });
  await store.messages.accept({
    accountId: a.id,
    messages: [m],
    totalMicros: m.priceMicros,
    dueAt: [Date.now()],
    now: Date.now(),
  });
  const dispatcher = new Dispatcher(
    {
      store,
      clock: systemClock,
      connectors: new Map(connectors.map((c) => [c.id, c])),
      routes: [{ prefixes: [], countries: [], accountIds: [], connectors: connectors.map((c) => c.id) }],
      log: pino({ level: "silent" }),
    },
    {
      batchSize: 10,
      pollIntervalMs: 5,
      leaseMs: 60_000,
      validityMs,
      retry: { baseMs: 1, maxMs: 5, maxAttempts: 50 },
      maxInFlight: 10,
      bulkMaxInFlight: 10,
    },
  );
  dispatcher.start();
  const until = async (check: () => Promise<boolean>) => {
    const deadline = Date.now() + 10_000;
    while (!(await check())) {
      assert.ok(Date.now() < deadline, "condition not met in time");
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  const message = async () => (await store.messages.get(a.id, m.uuid))!;
  const balance = async () => (await store.accounts.get(a.id))!.balanceMicros;
  return { dispatcher, until, message, balance };
}

describe("dispatcher: long messages", () => {
  it("resumes from the first part not accepted on the same connector, never failing over", async () => {
    const first = new ScriptedConnector("first", [
      () => ({ ok: false, kind: "throttled", reason: "slow down", acceptedSmscIds: ["p1"] }),
      () => ({ ok: true, smscIds: ["p2", "p3"] }),
    ]);
    const second = new ScriptedConnector("second", [() => ({ ok: true, smscIds: ["x1", "x2", "x3"] })]);
    const { dispatcher, until, message } = await run([first, second]);
    try {
      await until(async () => (await message()).statusCode === Status.TRANSMITTED);
      assert.deepEqual(
        first.requests.map((r) => r.firstPart ?? 0),
        [0, 1],
      );
      assert.equal(second.requests.length, 0, "no failover once a part was accepted");
      assert.equal(
        first.requests[1]!.messageId,
        first.requests[0]!.messageId,
        "the same concatenation reference seed",
      );
    } finally {
      await dispatcher.stop();
    }
  });

  it("fails over while nothing was accepted", async () => {
    const first = new ScriptedConnector("first", [
      () => ({ ok: false, kind: "temporary", reason: "queue full", acceptedSmscIds: [] }),
    ]);
    const second = new ScriptedConnector("second", [() => ({ ok: true, smscIds: ["x1", "x2", "x3"] })]);
    const { dispatcher, until, message } = await run([first, second]);
    try {
      await until(async () => (await message()).statusCode === Status.TRANSMITTED);
      assert.equal(second.requests[0]!.firstPart, undefined);
    } finally {
      await dispatcher.stop();
    }
  });

  it("expires without a refund when the connector of accepted parts stays down until validity ends", async () => {
    const first = new ScriptedConnector("first", [
      (r) => {
        first.up = false; // the connection is lost between parts, and stays lost
        return {
          ok: false,
          kind: "temporary",
          reason: "connector down",
          acceptedSmscIds: r.firstPart ? [] : ["p1"],
        };
      },
    ]);
    const second = new ScriptedConnector("second", []);
    const { dispatcher, until, message, balance } = await run([first, second], 300);
    try {
      await until(async () => (await message()).dlrCode === Dlr.EXPIRED);
      assert.equal((await message()).statusCode, Status.NEW);
      assert.equal(await balance(), 1_000_000 - 210_000, "its first part was sent and billed: no refund");
      assert.equal(second.requests.length, 0);
    } finally {
      await dispatcher.stop();
    }
  });
});
