import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { systemClock } from "../app/deps.js";
import { openStore } from "../store/open.js";
import type { OutboxItem, Store } from "../store/ports/index.js";
import { WebhookDispatcher } from "./dispatcher.js";
import type { WebhookPoster } from "./threaded-client.js";

interface Arrival {
  message: string;
  dlr: number;
  at: number;
  answeredAt?: number;
}

type EventData = { id: string; dlr_code: number };

/** A callback endpoint on 127.0.0.1 that hands each event's data to `onEvent`, which answers when it likes. */
async function hookServer(onEvent: (data: EventData, answer: () => void) => void) {
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => onEvent((JSON.parse(raw) as { data: EventData }).data, () => res.writeHead(204).end()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/hook`, close: () => server.close() };
}

/** A receiver that holds its answer to the first event of `slowMessage` for `holdMs`. */
async function receiver(slowMessage: string, holdMs: number) {
  const arrivals: Arrival[] = [];
  let held = false;
  const server = await hookServer((data, answer) => {
    const arrival: Arrival = { message: data.id, dlr: data.dlr_code, at: Date.now() };
    arrivals.push(arrival);
    const answered = () => {
      arrival.answeredAt = Date.now();
      answer();
    };
    if (data.id === slowMessage && !held) {
      held = true;
      setTimeout(answered, holdMs);
    } else answered();
  });
  return { ...server, arrivals };
}

describe("WebhookDispatcher", () => {
  let store: Store;
  let accountId: number;
  before(async () => {
    store = await openStore(`sqlite:${join(mkdtempSync(join(tmpdir(), "starling-webhooks-")), "s.db")}`);
    const account = await store.accounts.create(
      { name: "w", country: "DE", currency: "EUR", balanceMicros: 0, webhookSecret: "s".repeat(32) },
      Date.now(),
    );
    accountId = account.id;
  });
  after(() => store.close());

  for (const senderThread of [false, true]) {
    it(`posts one message's events in order without holding up other messages (sender thread: ${senderThread})`, async () => {
      const slow = `slow-${senderThread}`;
      const other = `other-${senderThread}`;
      const hook = await receiver(slow, 400);
      const webhook = await store.webhooks.add(accountId, hook.url, Date.now());
      const now = Date.now();
      await store.webhooks.enqueue(accountId, "sms.delivery", { id: slow, dlr_code: 4 }, now);
      await store.webhooks.enqueue(accountId, "sms.delivery", { id: slow, dlr_code: 1 }, now + 1);
      await store.webhooks.enqueue(accountId, "sms.delivery", { id: other, dlr_code: 1 }, now + 2);
      const dispatcher = new WebhookDispatcher(
        { store, clock: systemClock, log: pino({ level: "silent" }) },
        { maxAttempts: 4, timeoutMs: 5000, baseDelayMs: 10_000, pollIntervalMs: 20, senderThread },
      );
      dispatcher.start();
      try {
        const deadline = Date.now() + 10_000;
        while (hook.arrivals.filter((a) => a.answeredAt !== undefined).length < 3 && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 20));
        }
        const [first, second] = hook.arrivals.filter((a) => a.message === slow);
        const third = hook.arrivals.find((a) => a.message === other);
        assert.equal(first?.dlr, 4);
        assert.equal(second?.dlr, 1);
        assert.ok(second.at >= first.answeredAt!, "the second event of a message waits for the first to be answered");
        assert.ok(third && third.at < first.answeredAt!, "another message's event is not held up");
      } finally {
        await dispatcher.stop();
        await store.webhooks.remove(webhook.id);
        hook.close();
      }
    });
  }

  it("keeps one message's events in order when they fall into different claims", async () => {
    const arrivals: string[] = [];
    const server = await hookServer((data, answer) => {
      arrivals.push(`${data.id}:${data.dlr_code}`);
      setTimeout(answer, 20);
    });
    const webhook = await store.webhooks.add(accountId, server.url, Date.now());
    // A backlog: the message's en route event is the last of the first claim (batch 20), delivered the
    // first of the next, which is claimed while the first claim's events still wait for a worker.
    const t0 = Date.now() - 10_000;
    for (let i = 0; i < 19; i++) await store.webhooks.enqueue(accountId, "sms.delivery", { id: `filler-${i}`, dlr_code: 4 }, t0 + i);
    await store.webhooks.enqueue(accountId, "sms.delivery", { id: "straddling", dlr_code: 4 }, t0 + 19);
    await store.webhooks.enqueue(accountId, "sms.delivery", { id: "straddling", dlr_code: 1 }, t0 + 20);
    const dispatcher = new WebhookDispatcher(
      { store, clock: systemClock, log: pino({ level: "silent" }) },
      { maxAttempts: 4, timeoutMs: 5000, baseDelayMs: 10_000, pollIntervalMs: 10, concurrency: 4, batchSize: 20, senderThread: false },
    );
    dispatcher.start();
    try {
      const deadline = Date.now() + 10_000;
      while (arrivals.length < 21 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(
        arrivals.filter((a) => a.startsWith("straddling:")),
        ["straddling:4", "straddling:1"],
      );
    } finally {
      await dispatcher.stop();
      await store.webhooks.remove(webhook.id);
      server.close();
    }
  });

  it("never has more posts in flight than sockets, so a slow receiver gets each event once", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const received = new Map<string, number>();
    const server = await hookServer((data, answer) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      received.set(data.id, (received.get(data.id) ?? 0) + 1);
      // Slower than half the timeout: a post that queued for a socket with its timer running would time out.
      setTimeout(() => {
        inFlight--;
        answer();
      }, 300);
    });
    const webhook = await store.webhooks.add(accountId, server.url, Date.now());
    for (let i = 0; i < 16; i++) await store.webhooks.enqueue(accountId, "sms.delivery", { id: `slow-${i}`, dlr_code: 4 }, Date.now() - 1000);
    const dispatcher = new WebhookDispatcher(
      { store, clock: systemClock, log: pino({ level: "silent" }) },
      { maxAttempts: 4, timeoutMs: 500, baseDelayMs: 50, pollIntervalMs: 20, concurrency: 4, batchSize: 4, senderThread: false },
    );
    dispatcher.start();
    try {
      const deadline = Date.now() + 10_000;
      while (dispatcher.stats.delivered < 16 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(dispatcher.stats.delivered, 16);
      assert.equal(dispatcher.stats.failed, 0);
      assert.ok(maxInFlight <= 4, `at most 4 posts at once, saw ${maxInFlight}`);
      assert.deepEqual([...received.values()].filter((n) => n !== 1), [], "each event received exactly once");
    } finally {
      await dispatcher.stop();
      await store.webhooks.remove(webhook.id);
      server.close();
    }
  });

  it("gives every claimed event a worker, however a claim and a finishing worker interleave", async () => {
    // One worker; the first post and the second claim are released in either order, some microtasks
    // apart: a worker that has just run dry must not be counted as busy when the claim's events arrive.
    const event = (id: string): OutboxItem => ({
      id, eventId: id, accountId, url: "http://127.0.0.1:9/h", name: "sms.delivery", data: { id: `m-${id}` }, createdAt: 0, attempts: 0,
    });
    const microtasks = async (n: number) => {
      for (let i = 0; i < n; i++) await Promise.resolve();
    };
    for (const claimFirst of [true, false]) {
      for (let gap = 0; gap < 12; gap++) {
        const posted: string[] = [];
        let releasePost: (() => void) | undefined;
        let releaseClaim: ((items: OutboxItem[]) => void) | undefined;
        let claims = 0;
        const fakeStore = {
          ...store,
          webhooks: {
            ...store.webhooks,
            claimDue: async () => {
              claims++;
              if (claims === 1) return [event("A")];
              if (claims === 2) return new Promise<OutboxItem[]>((resolve) => (releaseClaim = resolve));
              return [];
            },
            recordAttempts: async () => {},
          },
        } as Store;
        const http: WebhookPoster = {
          post: async (_url, _headers, body) => {
            posted.push((JSON.parse(body) as { notification_task_id: string }).notification_task_id);
            if (posted.length === 1) await new Promise<void>((resolve) => (releasePost = resolve));
            return 204;
          },
          close: async () => {},
        };
        const dispatcher = new WebhookDispatcher(
          { store: fakeStore, clock: systemClock, log: pino({ level: "silent" }), http },
          { maxAttempts: 4, timeoutMs: 1000, baseDelayMs: 1000, batchSize: 2, concurrency: 1, pollIntervalMs: 5 },
        );
        dispatcher.start();
        while (!releasePost || !releaseClaim) await new Promise((r) => setTimeout(r, 1));
        if (claimFirst) {
          releaseClaim([event("B"), event("C")]);
          await microtasks(gap);
          releasePost();
        } else {
          releasePost();
          await microtasks(gap);
          releaseClaim([event("B"), event("C")]);
        }
        const deadline = Date.now() + 2000;
        while (posted.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
        await dispatcher.stop();
        assert.deepEqual(posted, ["A", "B", "C"], `claim first: ${claimFirst}, ${gap} microtasks apart`);
      }
    }
  });

  it("gives back, when stopped, the events no worker has started", async () => {
    const webhook = await store.webhooks.add(accountId, "http://127.0.0.1:9/h", Date.now());
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) await store.webhooks.enqueue(accountId, "sms.delivery", { id: `stopping-${i}`, dlr_code: 4 }, Date.now() - 1000);
    let releasePost: (() => void) | undefined;
    const http: WebhookPoster = {
      post: async (_url, _headers, body) => {
        ids.push((JSON.parse(body) as { notification_task_id: string }).notification_task_id);
        await new Promise<void>((resolve) => (releasePost = resolve));
        return 204;
      },
      close: async () => {},
    };
    const dispatcher = new WebhookDispatcher(
      { store, clock: systemClock, log: pino({ level: "silent" }), http },
      { maxAttempts: 4, timeoutMs: 5000, baseDelayMs: 10_000, pollIntervalMs: 10, concurrency: 1, batchSize: 10 },
    );
    dispatcher.start();
    try {
      while (!releasePost) await new Promise((r) => setTimeout(r, 5));
      const stopping = dispatcher.stop();
      releasePost();
      await stopping;
      assert.equal(ids.length, 1, "only the post under way was made");
      // The other three are claimable at once: their leases were given back, not left to lapse.
      const again = await store.webhooks.claimDue(Date.now(), 100, 60_000);
      const stopped = again.filter((i) => (i.data as { id: string }).id.startsWith("stopping-"));
      assert.equal(stopped.length, 3);
      assert.ok(!stopped.some((i) => i.id === ids[0]), "the one posted was recorded as delivered");
      await store.webhooks.recordAttempts(again.map((i) => ({ id: i.id, delivered: true })));
    } finally {
      await store.webhooks.remove(webhook.id);
    }
  });

  it("stops promptly while waiting for events", async () => {
    const dispatcher = new WebhookDispatcher(
      { store, clock: systemClock, log: pino({ level: "silent" }) },
      // A poll interval longer than the test's own timeout: stop() has to wake the claimer.
      { maxAttempts: 4, timeoutMs: 5000, baseDelayMs: 10_000, pollIntervalMs: 600_000, senderThread: false },
    );
    dispatcher.start();
    await new Promise((r) => setTimeout(r, 100));
    // Without the wake-up, stop() would wait out the poll interval (ten minutes).
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      dispatcher.stop().then(() => "stopped"),
      new Promise((resolve) => {
        timer = setTimeout(() => resolve("still waiting after 5 s"), 5000);
      }),
    ]);
    clearTimeout(timer);
    assert.equal(outcome, "stopped");
  });
});
