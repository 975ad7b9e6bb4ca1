/**
 * The retry policy over a whole validity period, on a fake clock: with the default settings a message an
 * SMSC keeps refusing for the time being is retried until its validity period ends, never given up in
 * minutes, and never waits longer than the backoff cap between attempts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig } from "../../config.js";
import { decideAfterAttempt, type RetryPolicy, type SubmitAttempt, validUntil } from "./submit.js";

const throttled: SubmitAttempt = {
  ok: false,
  kind: "throttled",
  reason: "SMSC answered ESME_RTHROTTLED",
  accepted: undefined,
  anyUp: true,
};

/** Attempts at the times the policy asks for, each refused, until it gives up. */
function runUntilGivenUp(policy: RetryPolicy, validityMs: number) {
  const message = { createdAt: 1_000_000, deliveryAt: 0 };
  const deadline = validUntil(message, validityMs);
  let now = message.createdAt;
  let attempts = 0;
  let longestGap = 0;
  for (;;) {
    const decision = decideAfterAttempt(throttled, attempts, now, policy, Math.random, deadline);
    if (decision.kind !== "retry")
      return { decision, attempts: attempts + 1, endedAt: now, deadline, longestGap };
    assert.ok(
      decision.dueAt > now && decision.dueAt <= deadline,
      "the next attempt is within the validity period",
    );
    longestGap = Math.max(longestGap, decision.dueAt - now);
    now = decision.dueAt;
    attempts++;
    assert.ok(attempts < 100_000, "the policy ends");
  }
}

describe("retry policy over the validity period (fake clock)", () => {
  it("with the default settings: retried for the whole 48 h, backoff capped, then expired and refunded", () => {
    const { delivery } = loadConfig({}, {});
    const validityMs = delivery.validitySeconds * 1000;
    const { decision, attempts, endedAt, deadline, longestGap } = runUntilGivenUp(delivery.retry, validityMs);
    assert.equal(endedAt, deadline, "given up at the end of the validity period, not before");
    assert.ok(longestGap <= delivery.retry.maxMs, `longest wait ${longestGap} ms`);
    // 48 h at most 5 min apart (at least half of it, with jitter): hundreds of attempts, not 10.
    assert.ok(attempts > 500, `${attempts} attempts`);
    assert.ok(attempts < 1200, `${attempts} attempts`);
    assert.equal(decision.kind, "failed");
    assert.ok(decision.kind === "failed" && decision.dlrCode === 8 && decision.refund);
  });

  it("an operator's maxAttempts still gives up earlier", () => {
    const policy = { baseMs: 1000, maxMs: 300_000, maxAttempts: 10 };
    const { attempts, endedAt, deadline } = runUntilGivenUp(policy, 48 * 3600_000);
    assert.equal(attempts, 10);
    assert.ok(endedAt < deadline);
  });

  it("a short validity period: the last attempt is made at its end", () => {
    const { endedAt, deadline, attempts } = runUntilGivenUp(
      { baseMs: 1000, maxMs: 300_000, maxAttempts: 0 },
      600_000,
    );
    assert.equal(endedAt, deadline);
    assert.ok(attempts >= 5, `${attempts} attempts`);
  });
});
