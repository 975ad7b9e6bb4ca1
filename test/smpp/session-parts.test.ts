import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Backoff } from "../../src/delivery/smpp/backoff.js";
import { resolveSmppConfig, SMPP_CONNECTOR_DEFAULTS } from "../../src/delivery/smpp/config.js";
import { RateLimiter } from "../../src/delivery/smpp/rate-limiter.js";
import { Reassembler } from "../../src/delivery/smpp/reassembly.js";
import { classifySubmitStatus, statusName } from "../../src/delivery/smpp/status.js";
import { RequestWindow } from "../../src/delivery/smpp/window.js";
import { sleep } from "./helpers.js";

describe("command_status → failure kind (smpp-facts.md table)", () => {
  const table: [number, string][] = [
    [0x08, "temporary"],
    [0x14, "temporary"],
    [0x58, "throttled"],
    [0x0a, "permanent"],
    [0x0b, "permanent"],
    [0x61, "permanent"],
    [0x62, "permanent"],
    [0x65, "permanent"],
    [0x66, "permanent"],
    [0x45, "temporary"],
    [0x64, "temporary"],
    [0xfe, "temporary"],
    [0xff, "temporary"],
    [0x0400, "temporary"],
  ];
  for (const [status, kind] of table) {
    test(`${statusName(status)} → ${kind}`, () => assert.equal(classifySubmitStatus(status), kind));
  }
});

describe("window", () => {
  test("at most N granted; waiters served in FIFO order; rejectWaiting frees them", async () => {
    const window = new RequestWindow(2);
    assert.equal(await window.acquire(), true);
    assert.equal(await window.acquire(), true);
    const order: number[] = [];
    const third = window.acquire().then((ok) => order.push(3) && ok);
    const fourth = window.acquire().then((ok) => order.push(4) && ok);
    const fifth = window.acquire();
    assert.equal(window.waiting, 3);
    window.release();
    window.release();
    assert.deepEqual(await Promise.all([third, fourth]), [true, true]);
    assert.deepEqual(order, [3, 4]);
    assert.equal(window.inFlight, 2);
    window.rejectWaiting();
    assert.equal(await fifth, false);
  });
});

describe("backoff", () => {
  test("doubles from min, caps at max, resets", () => {
    const backoff = new Backoff(100, 1000, () => 1);
    assert.deepEqual(
      [1, 2, 3, 4, 5].map(() => backoff.next()),
      [100, 200, 400, 800, 1000],
    );
    backoff.reset();
    assert.equal(backoff.next(), 100);
    const jittered = new Backoff(100, 1000, () => 0);
    jittered.next();
    assert.equal(jittered.next(), 160, "jitter takes off at most 20%");
  });
});

describe("rate limiter", () => {
  test("paces to the configured rate after a short burst", async () => {
    const limiter = new RateLimiter(100, 50);
    const start = Date.now();
    for (let i = 0; i < 20; i++) await limiter.take();
    const elapsed = Date.now() - start;
    // 10 immediate (burst of 1/10 s), then 10 ms apart
    assert.ok(elapsed >= 80, `took ${elapsed} ms`);
    assert.ok(elapsed < 3000, `took ${elapsed} ms`);
  });

  test("ESME_RTHROTTLED pauses and halves the observed rate; unlimited stays unlimited otherwise", async () => {
    const limiter = new RateLimiter(0, 60);
    for (let i = 0; i < 40; i++) await limiter.take();
    assert.equal(limiter.rate, Number.POSITIVE_INFINITY);
    const start = Date.now();
    limiter.throttled();
    assert.ok(limiter.rate <= 20 && limiter.rate >= 1, `rate ${limiter.rate}`);
    await limiter.take();
    assert.ok(Date.now() - start >= 55, "waits out the pause");
  });

  test("recovers towards the configured rate without further throttling", () => {
    let now = 10_000;
    const limiter = new RateLimiter(100, 10, () => now);
    // a second in which every other answer is ESME_RTHROTTLED
    for (let i = 0; i < 11; i++) {
      now += 100;
      limiter.answered(now - 5, i % 2 === 0);
    }
    const lowered = limiter.rate;
    assert.ok(lowered < 100);
    now += 5000;
    void limiter.take();
    assert.ok(limiter.rate > lowered, `${limiter.rate} > ${lowered}`);
    now += 60_000;
    void limiter.take();
    assert.equal(limiter.rate, 100);
    limiter.cancel();
  });

  test("cancel wakes sleepers at once", async () => {
    const limiter = new RateLimiter(0.1, 10);
    await limiter.take();
    const start = Date.now();
    const waiting = limiter.take();
    limiter.cancel();
    await waiting;
    assert.ok(Date.now() - start < 5000, "the next slot was 10 s away");
  });
});

describe("reassembly", () => {
  test("any order, duplicates ignored, incomplete groups expire with what arrived", async () => {
    const expired: string[][] = [];
    const parts = new Reassembler<string>(30, (p) => expired.push(p));
    assert.equal(parts.add("k", { ref: 1, total: 3, seq: 3 }, "c"), undefined);
    assert.equal(parts.add("k", { ref: 1, total: 3, seq: 1 }, "a"), undefined);
    assert.equal(parts.add("k", { ref: 1, total: 3, seq: 1 }, "a"), undefined);
    assert.deepEqual(parts.add("k", { ref: 1, total: 3, seq: 2 }, "b"), ["a", "b", "c"]);
    parts.add("k", { ref: 2, total: 2, seq: 2 }, "y");
    assert.equal(parts.pending, 1);
    await sleep(50);
    assert.deepEqual(expired, [["y"]]);
    parts.clear();
  });
});

describe("config", () => {
  test("defaults fill what is not given; nested defaults merge", () => {
    const config = resolveSmppConfig({
      id: "a",
      host: "h",
      systemId: "s",
      password: "p",
      reconnect: { minMs: 100 },
      sourceTon: { shortCode: 0 },
      window: undefined,
    });
    assert.equal(config.window, SMPP_CONNECTOR_DEFAULTS.window);
    assert.deepEqual(config.reconnect, { minMs: 100, maxMs: SMPP_CONNECTOR_DEFAULTS.reconnect.maxMs });
    assert.deepEqual(config.sourceTon, { alphanumeric: 5, international: 1, shortCode: 0 });
  });

  test("impossible values are refused with the key named", () => {
    assert.throws(
      () => resolveSmppConfig({ id: "a", host: "h", systemId: "s", password: "123456789" }),
      /password/,
    );
    assert.throws(
      () => resolveSmppConfig({ id: "a", host: "h", systemId: "s", password: "p", window: 0 }),
      /window/,
    );
  });
});
