/**
 * The transactional lane does not wait behind a campaign: a transactional message accepted in this process
 * is claimed by its uuid beside the claim loop (Dispatcher.accepted), on the in-memory store.
 */
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { describe, it } from "node:test";
import { pino } from "pino";
import { storedMessage } from "../../test/helpers/messages.js";
import { systemClock } from "../app/deps.js";
import { Priority, type PriorityLane } from "../core/message.js";
import { openMemoryStore } from "../store/memory/index.js";
import type { Connector, ConnectorEvents, SubmitRequest, SubmitResult } from "./connector.js";
import { Dispatcher } from "./dispatcher.js";

class RecordingConnector extends EventEmitter<ConnectorEvents> implements Connector {
  readonly id = "smsc";
  readonly submitted: string[] = [];
  async start() {}
  async stop() {}
  isUp() {
    return true;
  }
  async submit(request: SubmitRequest): Promise<SubmitResult> {
    this.submitted.push(request.messageId);
    return { ok: true, smscIds: [`id-${this.submitted.length}`] };
  }
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    assert.ok(Date.now() < deadline, "condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("dispatcher: transactional lane", () => {
  it("claims an accepted transactional message at once, while the claim loop is stuck behind a campaign", async () => {
    const store = openMemoryStore();
    const account = await store.accounts.create(
      { name: "t", country: "DE", currency: "EUR", balanceMicros: 10_000_000, webhookSecret: "s" },
      Date.now(),
    );
    const accept = async (priority: PriorityLane, count: number) => {
      const messages = Array.from({ length: count }, () => storedMessage(account.id, { priority }));
      await store.messages.accept({
        accountId: account.id,
        messages,
        totalMicros: messages.reduce((sum, m) => sum + m.priceMicros, 0),
        dueAt: messages.map(() => Date.now()),
        now: Date.now(),
      });
      return messages;
    };
    await accept(Priority.BULK, 50);
    // The loop's claims hang (a slow commit under a campaign's load) until released.
    let release: () => void = () => {};
    const stuck = new Promise<void>((resolve) => {
      release = resolve;
    });
    let loopClaims = 0;
    const claimDue = store.delivery.claimDue.bind(store.delivery);
    store.delivery.claimDue = async (...args) => {
      loopClaims++;
      await stuck;
      return claimDue(...args);
    };
    const connector = new RecordingConnector();
    const dispatcher = new Dispatcher(
      {
        store,
        clock: systemClock,
        connectors: new Map([[connector.id, connector]]),
        routes: [{ prefixes: [], countries: [], accountIds: [], connectors: [connector.id] }],
        log: pino({ level: "silent" }),
      },
      {
        batchSize: 10,
        pollIntervalMs: 5,
        leaseMs: 60_000,
        validityMs: 60_000,
        retry: { baseMs: 1, maxMs: 5, maxAttempts: 5 },
        maxInFlight: 20,
        bulkMaxInFlight: 10,
      },
    );
    dispatcher.start();
    try {
      await until(() => loopClaims > 0);
      const [otp] = await accept(Priority.TRANSACTIONAL, 1);
      dispatcher.accepted([otp!]);
      await until(() => connector.submitted.length > 0);
      assert.deepEqual(connector.submitted, [otp!.uuid], "the OTP went out before any bulk message");
      release();
      await until(() => connector.submitted.length === 51);
      assert.equal(new Set(connector.submitted).size, 51, "each message submitted once");
    } finally {
      release();
      await dispatcher.stop();
    }
  });

  it("claims bulk a quarter of its budget at a time, not a row each time one finishes", async () => {
    const store = openMemoryStore();
    const account = await store.accounts.create(
      { name: "t", country: "DE", currency: "EUR", balanceMicros: 10_000_000, webhookSecret: "s" },
      Date.now(),
    );
    const messages = Array.from({ length: 200 }, () =>
      storedMessage(account.id, { priority: Priority.BULK }),
    );
    await store.messages.accept({
      accountId: account.id,
      messages,
      totalMicros: messages.reduce((sum, m) => sum + m.priceMicros, 0),
      dueAt: messages.map(() => Date.now()),
      now: Date.now(),
    });
    const sizes: number[] = [];
    const claimDue = store.delivery.claimDue.bind(store.delivery);
    store.delivery.claimDue = async (...args) => {
      const claimed = await claimDue(...args);
      if (claimed.length > 0) sizes.push(claimed.length);
      return claimed;
    };
    // Submits finish one by one, as an SMSC answers them.
    const connector = new RecordingConnector();
    const submit = connector.submit.bind(connector);
    connector.submit = async (request) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return submit(request);
    };
    const dispatcher = new Dispatcher(
      {
        store,
        clock: systemClock,
        connectors: new Map([[connector.id, connector]]),
        routes: [{ prefixes: [], countries: [], accountIds: [], connectors: [connector.id] }],
        log: pino({ level: "silent" }),
      },
      {
        batchSize: 50,
        pollIntervalMs: 5,
        leaseMs: 60_000,
        validityMs: 60_000,
        retry: { baseMs: 1, maxMs: 5, maxAttempts: 5 },
        maxInFlight: 100,
        bulkMaxInFlight: 20,
      },
    );
    dispatcher.start();
    try {
      await until(() => connector.submitted.length === 200);
      // The first claim fills the budget; after it, none is smaller than a quarter of it (5), but the last.
      assert.ok(
        sizes.slice(1, -1).every((n) => n >= 5),
        `claim sizes ${sizes.join(",")}`,
      );
    } finally {
      await dispatcher.stop();
    }
  });
});
