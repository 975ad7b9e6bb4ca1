import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AdaptiveRate } from "./adaptive-rate.js";

/** What a simulated SMSC answers to a submit at `now`: true = ESME_RTHROTTLED. */
type Smsc = (now: number) => boolean;

function everyNth(n: number): Smsc {
  let count = 0;
  return () => ++count % n === 0;
}

/** At most `perSecond` submits in each calendar second, as most SMSCs count. */
function capPerSecond(perSecond: number): Smsc {
  let second = -1;
  let used = 0;
  return (now) => {
    const s = Math.floor(now / 1000);
    if (s !== second) {
      second = s;
      used = 0;
    }
    return ++used > perSecond;
  };
}

/**
 * Sends at the pace the controller allows (a fake clock, answers 5 ms later, `pauseMs` after a decrease)
 * for `seconds`; returns the accepted and throttled counts of the last `measureSeconds`.
 */
function run(smsc: Smsc, limit: number, seconds: number, measureSeconds: number) {
  const pauseMs = 200;
  const adaptive = new AdaptiveRate(limit, 0, pauseMs);
  let now = 0;
  let pauseUntil = 0;
  let accepted = 0;
  let throttled = 0;
  const measureFrom = (seconds - measureSeconds) * 1000;
  const rates: number[] = [];
  while (now < seconds * 1000) {
    adaptive.tick(now);
    const sentAt = Math.max(now, pauseUntil);
    const answeredAt = sentAt + 5;
    const isThrottled = smsc(sentAt);
    if (sentAt >= measureFrom) {
      if (isThrottled) throttled++;
      else accepted++;
      rates.push(adaptive.rate);
    }
    const verdict = adaptive.answer(sentAt, isThrottled, answeredAt, () => 1000);
    if (verdict === "lowered") pauseUntil = answeredAt + pauseMs;
    const rate = Math.min(adaptive.rate, 1000);
    now = sentAt + 1000 / rate;
  }
  return { acceptedPerSecond: accepted / measureSeconds, throttled, accepted, rates };
}

describe("adaptive rate", () => {
  test("every third submit throttled: the pace returns to the configured limit instead of collapsing", () => {
    const { acceptedPerSecond, rates } = run(everyNth(3), 60, 60, 20);
    // the SMSC takes two of three whatever the pace: 40/s is all there is to get at 60/s
    assert.ok(acceptedPerSecond > 35, `accepted ${acceptedPerSecond}/s`);
    assert.ok(Math.min(...rates) >= 50, `pace fell to ${Math.min(...rates)}`);
  });

  test("a limit of 20/s: the pace settles near it, throttling only a little", () => {
    const { acceptedPerSecond, throttled, accepted } = run(capPerSecond(20), 100, 60, 30);
    assert.ok(acceptedPerSecond >= 16 && acceptedPerSecond <= 20.5, `accepted ${acceptedPerSecond}/s`);
    assert.ok(throttled < accepted / 5, `${throttled} throttled to ${accepted} accepted`);
  });

  test("an unpaced connector finds the limit too", () => {
    const { acceptedPerSecond, throttled, accepted } = run(capPerSecond(50), 0, 60, 30);
    assert.ok(acceptedPerSecond >= 40 && acceptedPerSecond <= 50.5, `accepted ${acceptedPerSecond}/s`);
    assert.ok(throttled < accepted / 5, `${throttled} throttled to ${accepted} accepted`);
  });

  test("a limit that appears under background throttling still lowers the pace", () => {
    let now = 0;
    const background = everyNth(4);
    const cap = capPerSecond(10);
    const smsc: Smsc = (t) => {
      now = t;
      return t < 20_000 ? background(t) : cap(t) || background(t);
    };
    const { acceptedPerSecond } = run(smsc, 100, 60, 20);
    assert.ok(now > 50_000);
    assert.ok(acceptedPerSecond >= 6 && acceptedPerSecond <= 10.5, `accepted ${acceptedPerSecond}/s`);
  });

  test("answers to submits sent before a decrease do not lower it again", () => {
    const adaptive = new AdaptiveRate(0, 0);
    assert.equal(
      adaptive.answer(0, true, 10, () => 40),
      "lowered",
    );
    assert.equal(adaptive.rate, 20);
    for (let i = 0; i < 30; i++)
      assert.equal(
        adaptive.answer(5, true, 2000 + i, () => 40),
        "steady",
      );
    assert.equal(adaptive.rate, 20);
  });

  test("idle time recovers the pace towards the limit", () => {
    const adaptive = new AdaptiveRate(100, 0);
    for (let i = 0; i < 10; i++) adaptive.answer(i, i % 2 === 0, 10 + i * 100, () => 10);
    adaptive.tick(1100);
    const lowered = adaptive.rate;
    assert.ok(lowered < 100, `rate ${lowered}`);
    adaptive.tick(10_000);
    assert.ok(adaptive.rate > lowered);
    adaptive.tick(100_000);
    assert.equal(adaptive.rate, 100);
  });
});
