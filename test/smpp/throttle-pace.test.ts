/**
 * The pacer against the simulator's throttle scenarios: it must settle near what the SMSC accepts, not at
 * its 1 message/s floor. The test plays the dispatcher: a throttled submit is sent again until accepted.
 */
import assert from "node:assert/strict";
import { after, afterEach, describe, test } from "node:test";
import type { SmppConnector } from "../../src/delivery/smpp/index.js";
import { closeAll, request, startPair, trackUnhandled } from "./helpers.js";

const unhandled = trackUnhandled();
afterEach(closeAll);
after(() => {
  unhandled.dispose();
  assert.deepEqual(unhandled.errors, [], "no uncaught errors or unhandled rejections");
});

interface Tally {
  accepted: number;
  throttled: number;
  /** accepted and throttled once `warm` submits were accepted, and the time that phase took. */
  settled: { accepted: number; throttled: number; startedAt: number; endedAt: number };
}

/** `workers` loops submit until `total` messages are accepted or `giveUpMs` passed. */
async function pump(
  connector: SmppConnector,
  total: number,
  warm: number,
  workers: number,
  giveUpMs: number,
) {
  const tally: Tally = {
    accepted: 0,
    throttled: 0,
    settled: { accepted: 0, throttled: 0, startedAt: 0, endedAt: 0 },
  };
  const giveUpAt = Date.now() + giveUpMs;
  let next = 0;
  const worker = async () => {
    while (next < total && Date.now() < giveUpAt) {
      const id = `m${next++}`;
      for (;;) {
        const result = await connector.submit(request(id));
        const settled = tally.accepted >= warm;
        if (settled && tally.settled.startedAt === 0) tally.settled.startedAt = Date.now();
        if (result.ok) {
          tally.accepted++;
          if (settled) tally.settled.accepted++;
          break;
        }
        assert.equal(result.kind, "throttled", result.reason);
        tally.throttled++;
        if (settled) tally.settled.throttled++;
        if (Date.now() >= giveUpAt) return;
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  tally.settled.endedAt = Date.now();
  return tally;
}

const perSecond = (count: number, fromMs: number, toMs: number) =>
  (count * 1000) / Math.max(1, toMs - fromMs);

describe("pacing under throttling", () => {
  test("every third submit throttled: the pace stays near the configured rate, not at the floor", async (t) => {
    const pair = await startPair(
      { scenario: "throttle", scenarioOptions: { throttleEvery: 3 } },
      { throughputPerSecond: 40, throttlePauseMs: 1000, window: 10 },
    );
    const tally = await pump(pair.connector, 120, 30, 10, 40_000);
    const { settled } = tally;
    const accepted = perSecond(settled.accepted, settled.startedAt, settled.endedAt);
    t.diagnostic(
      `settled: ${accepted.toFixed(1)} accepted/s, ${JSON.stringify(tally)}, pace ${pair.connector.load.rate}`,
    );
    // Two thirds of 40/s is ~27/s; the old pacer halved to 1/s and stayed there.
    assert.ok(accepted >= 8, `accepted ${accepted.toFixed(1)}/s once settled (${JSON.stringify(tally)})`);
    assert.ok(pair.connector.load.rate >= 20, `pace ${pair.connector.load.rate}/s`);
    assert.equal(pair.sim.stats.accepted, tally.accepted, "every accepted submit counted once");
    assert.equal(pair.sim.stats.throttled, tally.throttled);
  });

  test("at most 10 per second accepted: the pace settles near 10/s without throttling most submits", async (t) => {
    const pair = await startPair(
      { scenario: "throttle", scenarioOptions: { throttleAbovePerSecond: 10 } },
      { throughputPerSecond: 0, throttlePauseMs: 1000, window: 10 },
    );
    const tally = await pump(pair.connector, 80, 20, 10, 40_000);
    const { settled } = tally;
    const accepted = perSecond(settled.accepted, settled.startedAt, settled.endedAt);
    t.diagnostic(
      `settled: ${accepted.toFixed(1)} accepted/s, ${JSON.stringify(tally)}, pace ${pair.connector.load.rate}`,
    );
    assert.equal(tally.accepted, 80, JSON.stringify(tally));
    assert.ok(accepted >= 4 && accepted <= 13, `accepted ${accepted.toFixed(1)}/s once settled`);
    assert.ok(
      settled.throttled < settled.accepted,
      `${settled.throttled} throttled to ${settled.accepted} accepted once settled`,
    );
    const pace = pair.connector.load.rate;
    assert.ok(pace >= 4 && pace <= 25, `pace ${pace}/s`);
  });
});
