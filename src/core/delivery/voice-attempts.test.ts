import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Dlr, Status } from "../message.js";
import { decideAfterCall } from "./voice-attempts.js";

const policy = { baseMs: 1000, maxMs: 60_000, maxAttempts: 10, voicePauseMs: 30_000 };
const unanswered = {
  ok: false as const,
  kind: "unanswered" as const,
  reason: "486 Busy Here",
  accepted: undefined,
  anyUp: true,
};

describe("decideAfterCall", () => {
  it("retries a busy call after the pause until attempts_count_max calls were made", () => {
    assert.deepEqual(decideAfterCall(unanswered, 0, 3, 1000, policy), {
      kind: "retry",
      dueAt: 31_000,
      error: "486 Busy Here",
      countAttempt: true,
    });
    assert.equal(decideAfterCall(unanswered, 1, 3, 1000, policy).kind, "retry");
    const last = decideAfterCall(unanswered, 2, 3, 1000, policy);
    assert.equal(last.kind, "failed");
    assert.equal(last.kind === "failed" && last.statusCode, Status.NO_LANDLINE);
    assert.equal(last.kind === "failed" && last.dlrCode, Dlr.REJECTED);
    assert.equal(last.kind === "failed" && last.refund, true);
  });

  it("makes one call for attempts_count_max 1 and the default (2) for null", () => {
    assert.equal(decideAfterCall(unanswered, 0, 1, 0, policy).kind, "failed");
    assert.equal(decideAfterCall(unanswered, 0, null, 0, policy).kind, "retry");
    assert.equal(decideAfterCall(unanswered, 1, null, 0, policy).kind, "failed");
  });

  it("does not count trunk trouble as a call", () => {
    const down = {
      ok: false as const,
      kind: "temporary" as const,
      reason: "503",
      accepted: undefined,
      anyUp: true,
    };
    const decision = decideAfterCall(down, 2, 3, 0, policy, () => 0);
    assert.equal(decision.kind, "retry");
    assert.equal(decision.kind === "retry" && decision.countAttempt, false);
  });

  it("rejects an invalid number at once, refunded", () => {
    const invalid = {
      ok: false as const,
      kind: "permanent" as const,
      reason: "404",
      accepted: undefined,
      anyUp: true,
    };
    const decision = decideAfterCall(invalid, 0, 3, 0, policy);
    assert.equal(decision.kind === "failed" && decision.statusCode, Status.BLOCKED);
    assert.equal(decision.kind === "failed" && decision.refund, true);
  });
});
