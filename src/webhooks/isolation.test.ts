/**
 * Tenant isolation of webhooks (issue 17 item 1) and per-receiver timeouts (issue 18 item 5), with real
 * receivers on 127.0.0.1 and a real SQLite store.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { pino } from "pino";
import { systemClock } from "../app/deps.js";
import { openStore } from "../store/open.js";
import type { Store } from "../store/ports/index.js";
import { WebhookDispatcher } from "./dispatcher.js";

/** A receiver that records when each event arrived and answers as `answer` says (undefined: never). */
async function receiver(answer: (id: string) => { status: number; afterMs: number } | undefined) {
  const arrivals = new Map<string, number>();
  /** "arrive" and "answer", in the order they happened. */
  const happenings: string[] = [];
  let open = 0;
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => {
      const id = (JSON.parse(raw) as { data: { id: string } }).data.id;
      arrivals.set(id, Date.now());
      happenings.push("arrive");
      const a = answer(id);
      if (!a) return;
      open++;
      setTimeout(() => {
        open--;
        happenings.push("answer");
        res.writeHead(a.status).end();
      }, a.afterMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hook?token=receiver-secret`,
    arrivals,
    happenings,
    answering: () => open,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

async function until(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

function capturingLog() {
  const lines: Record<string, unknown>[] = [];
  const log = pino(
    { level: "info" },
    { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) },
  );
  return { log, lines };
}

describe("webhook receivers are isolated from each other", () => {
  // Each test has a store of its own: events a test leaves pending must not reach the next one's dispatcher.
  let store: Store;
  const accounts: number[] = [];
  beforeEach(async () => {
    store = await openStore(`sqlite:${join(mkdtempSync(join(tmpdir(), "starling-isolation-")), "s.db")}`);
    accounts.length = 0;
    for (let i = 0; i < 3; i++) {
      const a = await store.accounts.create(
        { name: `a${i}`, country: "DE", currency: "EUR", balanceMicros: 0, webhookSecret: "s".repeat(32) },
        Date.now(),
      );
      accounts.push(a.id);
    }
  });
  afterEach(() => store.close());

  it("a hung receiver and a slow one do not delay a healthy one's events", async () => {
    const hung = await receiver(() => undefined);
    const slow = await receiver(() => ({ status: 204, afterMs: 1500 }));
    const healthy = await receiver(() => ({ status: 204, afterMs: 0 }));
    const [hungAccount, slowAccount, healthyAccount] = accounts as [number, number, number];
    // The hung receiver's posts time out only after 30 s, longer than this test waits for the healthy one.
    await store.webhooks.add(hungAccount, hung.url, Date.now(), 30_000);
    await store.webhooks.add(slowAccount, slow.url, Date.now());
    await store.webhooks.add(healthyAccount, healthy.url, Date.now());
    const dispatcher = new WebhookDispatcher(
      { store, clock: systemClock, log: pino({ level: "silent" }) },
      {
        maxAttempts: 4,
        timeoutMs: 5000,
        baseDelayMs: 10_000,
        pollIntervalMs: 20,
        concurrency: 4,
        batchSize: 8,
        senderThread: false,
      },
    );
    const written = new Map<string, number>();
    // The slow receiver has a backlog older than everything else (it drains 4 per 1.5 s: ~15 s) ...
    for (let i = 0; i < 40; i++) {
      await store.webhooks.enqueue(slowAccount, "sms.delivery", { id: `slow-${i}`, dlr_code: 1 }, Date.now() - 1000);
    }
    // ... and the hung one's events are written first each round, so a shared queue would put them ahead.
    for (let i = 0; i < 12; i++) {
      await store.webhooks.enqueue(hungAccount, "sms.delivery", { id: `hung-${i}`, dlr_code: 1 }, Date.now());
      written.set(`healthy-${i}`, Date.now());
      await store.webhooks.enqueue(
        healthyAccount,
        "sms.delivery",
        { id: `healthy-${i}`, dlr_code: 1 },
        Date.now(),
      );
    }
    dispatcher.start();
    try {
      await until(() => healthy.arrivals.size === 12);
      // The bound: the healthy receiver never waits for another receiver's answer. Every one of its events
      // arrived while the hung receiver's posts were still open (none had timed out) ...
      assert.equal(dispatcher.stats.failed, 0, "no hung post had timed out yet");
      assert.equal(hung.arrivals.size, 4, "the hung receiver holds no more than its budget of posts");
      // ... and within 5 s of being written (on an idle machine: tens of ms; the hung one's timeout is 30 s,
      // the slow one answers after 1.5 s each, 4 at a time).
      const delays = [...written].map(([id, at]) => healthy.arrivals.get(id)! - at);
      assert.ok(Math.max(...delays) < 5000, `healthy delays ${delays.join(", ")} ms`);
      assert.ok(slow.arrivals.size < 40, "the healthy receiver's events overtook the slow one's backlog");
      assert.ok(slow.answering() <= 4, "the slow receiver holds no more than its budget of posts");
    } finally {
      hung.close(); // its posts under way fail now instead of after 30 s, so stop() need not wait for them
      await dispatcher.stop();
      slow.close();
      healthy.close();
    }
  });

  it("pauses a failing receiver without spending its events' attempts, then probes it with one post", async () => {
    let failing = true;
    let inFlightMax = 0;
    let inFlight = 0;
    const flaky = await receiver(() => {
      inFlight++;
      inFlightMax = Math.max(inFlightMax, inFlight);
      setTimeout(() => inFlight--, 50);
      return { status: failing ? 503 : 204, afterMs: 50 };
    });
    const account = accounts[0]!;
    await store.webhooks.add(account, flaky.url, Date.now());
    for (let i = 0; i < 20; i++)
      await store.webhooks.enqueue(account, "sms.delivery", { id: `flaky-${i}`, dlr_code: 1 }, Date.now());
    const { log, lines } = capturingLog();
    const dispatcher = new WebhookDispatcher(
      { store, clock: systemClock, log },
      {
        maxAttempts: 4,
        timeoutMs: 5000,
        baseDelayMs: 60_000,
        pollIntervalMs: 20,
        concurrency: 4,
        batchSize: 20,
        senderThread: false,
        breaker: { failuresToOpen: 3, firstPauseMs: 1500, maxPauseMs: 60_000 },
      },
    );
    dispatcher.start();
    try {
      await until(() => dispatcher.stats.deferred + dispatcher.stats.failed === 20);
      const { failed, deferred } = dispatcher.stats;
      // Posts that were already under way when the third failure paused it still count, nothing after.
      assert.ok(failed >= 3 && failed <= 3 + 4 - 1, `failed ${failed}`);
      assert.equal(flaky.arrivals.size, failed);
      // While paused, nothing more is posted, and the deferred events still have every attempt left.
      const pausedAt = Date.now();
      failing = false;
      const healthyFrom = flaky.happenings.length;
      await until(() => dispatcher.stats.delivered >= 1);
      assert.ok(Date.now() - pausedAt >= 1000, "no post before the pause ended");
      await until(() => dispatcher.stats.delivered === deferred);
      assert.deepEqual(flaky.happenings.slice(healthyFrom, healthyFrom + 3), ["arrive", "answer", "arrive"], "one probe first");
      assert.equal(dispatcher.stats.failed, failed);
      assert.ok(inFlightMax <= 4);
      const pause = lines.find((l) => l.msg === "webhook receiver paused");
      assert.match(String(pause?.reason), /3 failed posts in a row, last: HTTP 503/);
      assert.ok(lines.some((l) => l.msg === "webhook receiver answers again: resumed"));
      // Why each of the four failed events will be sent again, without the URL's query (it may hold a secret).
      const retried = lines.filter((l) => l.msg === "webhook event will be retried");
      assert.equal(retried.length, failed);
      for (const l of retried) {
        assert.equal(l.reason, "HTTP 503");
        assert.equal(l.attempt, 1);
        assert.ok(!JSON.stringify(l).includes("receiver-secret"), "the URL's query is not logged");
      }
    } finally {
      await dispatcher.stop();
      flaky.close();
    }
    const counts = await store.webhooks.counts();
    assert.equal(counts.dead ?? 0, 0);
  });

  it("counts failures of events that come one at a time towards a pause", async () => {
    const failing = await receiver(() => ({ status: 500, afterMs: 0 }));
    const account = accounts[0]!;
    await store.webhooks.add(account, failing.url, Date.now());
    const dispatcher = new WebhookDispatcher(
      { store, clock: systemClock, log: pino({ level: "silent" }) },
      {
        maxAttempts: 4,
        timeoutMs: 5000,
        baseDelayMs: 60_000,
        pollIntervalMs: 20,
        senderThread: false,
        breaker: { failuresToOpen: 3, firstPauseMs: 60_000, maxPauseMs: 60_000 },
      },
    );
    dispatcher.start();
    try {
      for (let i = 0; i < 3; i++) {
        await store.webhooks.enqueue(account, "sms.delivery", { id: `lone-${i}`, dlr_code: 1 }, Date.now());
        await until(() => dispatcher.stats.failed === i + 1);
      }
      await store.webhooks.enqueue(account, "sms.delivery", { id: "lone-3", dlr_code: 1 }, Date.now());
      // Paused: its events are left out of claims. Give the claimer many polls to (wrongly) post it.
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(failing.arrivals.size, 3, "the fourth was not posted: the receiver is paused");
      assert.equal(dispatcher.stats.failed, 3);
    } finally {
      await dispatcher.stop();
      failing.close();
    }
  });

  it("honours a receiver's own timeout instead of the default", async () => {
    const slowButFine = await receiver(() => ({ status: 204, afterMs: 600 }));
    const account = accounts[0]!;
    const hook = await store.webhooks.add(account, slowButFine.url, Date.now(), 3000);
    assert.equal((await store.webhooks.list(account))[0]?.timeoutMs, 3000);
    for (let i = 0; i < 3; i++)
      await store.webhooks.enqueue(account, "sms.delivery", { id: `patient-${i}`, dlr_code: 1 }, Date.now());
    const { log, lines } = capturingLog();
    const dispatcher = new WebhookDispatcher(
      { store, clock: systemClock, log },
      // The default would time out every post to this receiver.
      {
        maxAttempts: 4,
        timeoutMs: 200,
        baseDelayMs: 60_000,
        pollIntervalMs: 20,
        concurrency: 4,
        senderThread: false,
      },
    );
    dispatcher.start();
    try {
      await until(() => dispatcher.stats.delivered + dispatcher.stats.failed === 3);
      assert.equal(dispatcher.stats.delivered, 3);
      assert.equal(slowButFine.arrivals.size, 3, "each event posted once");
      assert.deepEqual(
        lines.filter((l) => l.msg === "webhook event will be retried"),
        [],
      );
    } finally {
      await dispatcher.stop();
      slowButFine.close();
    }
    // And the default applies again once the receiver's own timeout is cleared.
    assert.equal(await store.webhooks.setTimeout(hook.id, null), true);
    assert.equal((await store.webhooks.list(account))[0]?.timeoutMs, null);
  });
});
