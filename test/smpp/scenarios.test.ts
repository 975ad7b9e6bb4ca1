/** Each simulator scenario against the connector: what the dispatcher gets back, and how the session reacts. */
import assert from "node:assert/strict";
import { after, afterEach, describe, test } from "node:test";
import type { ReceiptEvent } from "../../src/delivery/connector.js";
import { closeAll, request, startPair, trackUnhandled, waitFor } from "./helpers.js";

const unhandled = trackUnhandled();
afterEach(closeAll);
after(() => {
  unhandled.dispose();
  assert.deepEqual(unhandled.errors, [], "no uncaught errors or unhandled rejections");
});

function receiptsOf(emitter: {
  on(event: "receipt", fn: (r: ReceiptEvent) => void): unknown;
}): ReceiptEvent[] {
  const list: ReceiptEvent[] = [];
  emitter.on("receipt", (r) => list.push(r));
  return list;
}

describe("reject", () => {
  test("at submit, by destination prefix: permanent with ESME_RINVDSTADR; others pass", async () => {
    const pair = await startPair({ scenario: "reject", scenarioOptions: { rejectPrefix: "+4917" } });
    try {
      const refused = await pair.connector.submit(request("x", { destination: "+491701234567" }));
      assert.equal(refused.ok, false);
      assert.ok(!refused.ok);
      assert.equal(refused.kind, "permanent");
      assert.equal(refused.commandStatus, 0x0b);
      assert.deepEqual(refused.acceptedSmscIds, []);
      const passed = await pair.connector.submit(request("x", { destination: "+4915112345678" }));
      assert.ok(passed.ok);
      assert.equal(pair.sim.stats.rejected, 1);
      assert.equal(pair.sim.stats.accepted, 1);
    } finally {
      await pair.close();
    }
  });

  test("by receipt: accepted, then UNDELIV or REJECTD", async () => {
    const pair = await startPair({ scenario: "reject", scenarioOptions: { rejectAt: "receipt" } });
    try {
      const receipts = receiptsOf(pair.connector);
      const first = await pair.connector.submit(request("x"));
      assert.ok(first.ok);
      await waitFor(() => receipts.length === 1, 2000, "UNDELIV receipt");
      assert.equal(receipts[0]?.state, "UNDELIV");
      assert.equal(receipts[0]?.errorCode, 1);
      pair.sim.setScenario("reject", { rejectAt: "receipt", rejectState: "REJECTD" });
      await pair.connector.submit(request("y"));
      await waitFor(() => receipts.length === 2, 2000, "REJECTD receipt");
      assert.equal(receipts[1]?.state, "REJECTD");
    } finally {
      await pair.close();
    }
  });

  test("a fraction, chosen repeatably by seed", async () => {
    const run = async () => {
      const pair = await startPair({ scenario: "reject", scenarioOptions: { rejectFraction: 0.5 }, seed: 7 });
      try {
        const results = await Promise.all(
          Array.from({ length: 40 }, () => pair.connector.submit(request("x"))),
        );
        return results.map((r) => (r.ok ? "ok" : r.kind));
      } finally {
        await pair.close();
      }
    };
    const first = await run();
    assert.ok(first.includes("ok") && first.includes("permanent"));
    assert.ok(first.every((k) => k === "ok" || k === "permanent"));
    assert.deepEqual(await run(), first);
  });
});

describe("throttle", () => {
  test("every Nth submit: throttled result, and the session slows down", async () => {
    const pair = await startPair(
      { scenario: "throttle", scenarioOptions: { throttleEvery: 3 } },
      { throttlePauseMs: 120 },
    );
    try {
      assert.equal(pair.connector.load.rate, Number.POSITIVE_INFINITY);
      const kinds: string[] = [];
      let thirdSentAt = 0;
      for (let i = 0; i < 3; i++) {
        thirdSentAt = Date.now();
        const r = await pair.connector.submit(request(`m${i}`));
        kinds.push(r.ok ? "ok" : r.kind);
      }
      assert.deepEqual(kinds, ["ok", "ok", "throttled"]);
      assert.ok(pair.connector.load.rate < Number.POSITIVE_INFINITY, "pace lowered");
      const next = await pair.connector.submit(request("after"));
      assert.ok(next.ok);
      // the pause starts when ESME_RTHROTTLED arrives, which is after the third submit was sent
      const waited = Date.now() - thirdSentAt;
      assert.ok(waited >= 120, `the next submit went ${waited} ms after the throttled one`);
      assert.equal(pair.sim.stats.throttled, 1);
    } finally {
      await pair.close();
    }
  });

  test("a rate above X per second: the excess is throttled, never lost or doubled", async () => {
    const pair = await startPair(
      { scenario: "throttle", scenarioOptions: { throttleAbovePerSecond: 5 } },
      { window: 10 },
    );
    try {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => pair.connector.submit(request(`r${i}`))),
      );
      assert.deepEqual(
        results.map((r) => (r.ok ? "ok" : r.kind)),
        ["ok", "ok", "ok", "ok", "ok", "throttled", "throttled", "throttled"],
      );
      assert.equal(pair.sim.stats.accepted, 5);
      assert.equal(pair.sim.stats.throttled, 3);
      // three answers to one burst are one signal: the pace is halved once, not three times
      const rate = pair.connector.load.rate;
      assert.ok(rate >= 2 && rate <= 4, `rate ${rate}`);
    } finally {
      await pair.close();
    }
  });
});

describe("drop", () => {
  test("connection cut mid-submit: an unknown outcome, then reconnect and later submits succeed", async () => {
    const pair = await startPair({ scenario: "drop", scenarioOptions: { dropAfter: 2 } });
    try {
      const downs: unknown[] = [];
      pair.connector.on("down", (e) => downs.push(e));
      const first = await pair.connector.submit(request("one"));
      assert.ok(first.ok);
      const second = await pair.connector.submit(request("two"));
      assert.ok(!second.ok);
      assert.equal(second.kind, "unknown", "sent, never answered: the SMSC may have it");
      assert.equal(downs.length, 1);
      assert.ok(downs[0] instanceof Error);
      await waitFor(() => pair.connector.isUp(), 2000, "reconnect");
      const third = await pair.connector.submit(request("three"));
      assert.ok(third.ok, "new connection counts its own submits");
      assert.equal(pair.sim.stats.droppedConnections, 1);
      assert.deepEqual(
        pair.sim.stats.messages.map((m) => m.text),
        ["one", "three"],
        "exactly once: the dropped submit was never accepted",
      );
      assert.equal(pair.sim.stats.binds, 2);
    } finally {
      await pair.close();
    }
  });
});

describe("blackhole", () => {
  test("no submit_sm_resp: an unknown outcome after the response timeout, no hang", async () => {
    const pair = await startPair({ scenario: "blackhole" }, { responseTimeoutMs: 150 });
    try {
      const start = Date.now();
      const results = await Promise.all([
        pair.connector.submit(request("a")),
        pair.connector.submit(request("b")),
      ]);
      const elapsed = Date.now() - start;
      for (const r of results) {
        assert.ok(!r.ok);
        assert.equal(r.kind, "unknown");
        assert.match(r.reason, /no submit_sm_resp within 150 ms/);
      }
      assert.ok(elapsed >= 140 && elapsed < 5000, `resolved after ${elapsed} ms`);
      assert.equal(pair.sim.stats.blackholed, 2);
      assert.ok(pair.connector.isUp(), "enquire_link is still answered, so the bind stays");
      pair.sim.setScenario("deliver");
      assert.ok((await pair.connector.submit(request("c"))).ok, "scenario changed at runtime");
    } finally {
      await pair.close();
    }
  });

  test("stop() while a submit awaits its answer: it resolves as an unknown outcome", async () => {
    const pair = await startPair({ scenario: "blackhole" }, { responseTimeoutMs: 5000 });
    const pending = pair.connector.submit(request("a"));
    await waitFor(() => pair.sim.stats.blackholed === 1, 1000, "submit at the SMSC");
    const stopped = pair.connector.stop();
    // Stop waits for answers in flight (bounded); unblock it by dropping the simulator.
    await pair.sim.close();
    await stopped;
    const result = await pending;
    assert.ok(!result.ok && result.kind === "unknown");
  });
});

describe("receipts", () => {
  test("slow receipts: submit resolves at once, receipt comes after the delay", async () => {
    const pair = await startPair({ scenario: "slow_receipts", scenarioOptions: { slowReceiptDelayMs: 300 } });
    try {
      const receipts = receiptsOf(pair.connector);
      const start = Date.now();
      const result = await pair.connector.submit(request("slow"));
      assert.ok(result.ok);
      assert.equal(receipts.length, 0, "the submit does not wait for the receipt");
      await waitFor(() => receipts.length === 1, 5000, "slow receipt");
      assert.ok(Date.now() - start >= 290);
      assert.equal(receipts[0]?.state, "DELIVRD");
    } finally {
      await pair.close();
    }
  });

  test("expire: receipt EXPIRED", async () => {
    const pair = await startPair({ scenario: "expire" });
    try {
      const receipts = receiptsOf(pair.connector);
      const result = await pair.connector.submit(request("late"));
      assert.ok(result.ok);
      await waitFor(() => receipts.length === 1, 2000, "EXPIRED receipt");
      assert.deepEqual([receipts[0]?.smscId, receipts[0]?.state], [result.smscIds[0], "EXPIRED"]);
    } finally {
      await pair.close();
    }
  });

  test("no receipt when none was asked for", async () => {
    const pair = await startPair({}, {});
    try {
      const receipts = receiptsOf(pair.connector);
      assert.ok((await pair.connector.submit(request("quiet", { registeredDelivery: false }))).ok);
      assert.ok((await pair.connector.submit(request("loud"))).ok);
      await waitFor(() => receipts.length === 1, 2000, "one receipt");
      assert.equal(pair.sim.stats.receiptsSent, 1);
    } finally {
      await pair.close();
    }
  });
});

describe("window", () => {
  test("never more than N outstanding at the SMSC; the rest queue and all complete", async () => {
    const pair = await startPair({ responseDelayMs: 20 }, { window: 3 });
    try {
      const results = await Promise.all(
        Array.from({ length: 24 }, (_, i) => pair.connector.submit(request(`w${i}`))),
      );
      assert.ok(results.every((r) => r.ok));
      assert.equal(pair.sim.stats.maxOutstanding, 3);
      assert.equal(pair.sim.stats.accepted, 24);
      assert.deepEqual(pair.connector.load.inFlight, 0);
    } finally {
      await pair.close();
    }
  });

  test("configured throughput is respected", async () => {
    const pair = await startPair({}, { throughputPerSecond: 50 });
    try {
      const start = Date.now();
      await Promise.all(Array.from({ length: 15 }, (_, i) => pair.connector.submit(request(`t${i}`))));
      const elapsed = Date.now() - start;
      // a burst of 5, then 20 ms apart: at least ~200 ms for 15
      assert.ok(elapsed >= 180, `15 submits at 50/s took ${elapsed} ms`);
    } finally {
      await pair.close();
    }
  });
});

describe("lose_responses", () => {
  for (const loseResponseBy of ["silence", "cut"] as const) {
    test(`accepted and receipted, the answer lost by ${loseResponseBy}: unknown, yet the receipt comes`, async () => {
      const pair = await startPair(
        { scenario: "lose_responses", scenarioOptions: { loseResponses: 1, loseResponseBy } },
        { responseTimeoutMs: 150 },
      );
      try {
        const receipts = receiptsOf(pair.connector);
        const lost = await pair.connector.submit(request("first copy", { source: "Starling" }));
        assert.ok(!lost.ok);
        assert.equal(lost.kind, "unknown");
        assert.equal(pair.sim.stats.responsesLost, 1);
        assert.equal(pair.sim.stats.accepted, 1, "the SMSC has it");
        // the receipt comes (on the next bind after a cut) with what identifies the copy
        await waitFor(() => receipts.length === 1, 5000, "receipt");
        assert.equal(receipts[0]?.state, "DELIVRD");
        assert.equal(receipts[0]?.source, "491701234567");
        assert.equal(receipts[0]?.destination, "Starling");
        assert.equal(receipts[0]?.text, "first copy");
        await waitFor(() => pair.connector.isUp(), 2000, "bound");
        assert.ok((await pair.connector.submit(request("second"))).ok, "later submits are answered");
      } finally {
        await pair.close();
      }
    });
  }
});
