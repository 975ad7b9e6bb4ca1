import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Dlr, Status } from "../message.js";
import { decideAfterAttempt, expiredBeforeSubmit, type SubmitAttempt } from "./submit.js";

const policy = { baseMs: 1000, maxMs: 60_000, maxAttempts: 3 };
const half = () => 0.5;
const refused = (overrides: Partial<Extract<SubmitAttempt, { ok: false }>> = {}): SubmitAttempt => ({
  ok: false,
  kind: "throttled",
  reason: "SMSC answered ESME_RTHROTTLED",
  accepted: undefined,
  anyUp: true,
  ...overrides,
});

describe("submit decisions", () => {
  it("records a whole submit with every part's id", () => {
    assert.deepEqual(decideAfterAttempt({ ok: true, connectorId: "c", smscIds: ["a", "b"] }, 0, 0, policy), {
      kind: "submitted",
      connectorId: "c",
      smscIds: ["a", "b"],
    });
  });

  it("retries a temporary refusal with backoff, keeping the parts accepted so far", () => {
    const accepted = { connectorId: "c", smscIds: ["a"] };
    const d = decideAfterAttempt(refused({ accepted }), 0, 10_000, policy, half);
    assert.deepEqual(d, {
      kind: "retry",
      dueAt: 10_750,
      error: "SMSC answered ESME_RTHROTTLED",
      countAttempt: true,
      accepted,
    });
  });

  it("does not count an attempt when no connector was up", () => {
    const d = decideAfterAttempt(refused({ anyUp: false, kind: "temporary" }), 2, 0, policy, half);
    assert.equal(d.kind, "retry");
    assert.equal(d.kind === "retry" && d.countAttempt, false);
  });

  it("gives up after the last attempt: refunded only if no part reached the network", () => {
    const none = decideAfterAttempt(refused(), 2, 0, policy);
    assert.deepEqual(none, {
      kind: "failed",
      statusCode: Status.NEW,
      dlrCode: Dlr.EXPIRED,
      refund: true,
      error: "gave up: SMSC answered ESME_RTHROTTLED",
    });
    const some = decideAfterAttempt(
      refused({ accepted: { connectorId: "c", smscIds: ["a"] } }),
      2,
      0,
      policy,
    );
    assert.equal(some.kind === "failed" && some.refund, false);
  });

  it("a last attempt that went unanswered is given up charged, marked so its copy's receipt can find it", () => {
    const d = decideAfterAttempt(refused({ kind: "unknown" }), 2, 0, policy);
    assert.equal(d.kind === "failed" && d.refund, false);
    assert.equal(d.kind === "failed" && d.unknownOutcome, true);
    const atDeadline = decideAfterAttempt(
      refused({ kind: "unknown" }),
      0,
      10,
      { ...policy, maxAttempts: 0 },
      Math.random,
      10,
    );
    assert.equal(atDeadline.kind === "failed" && atDeadline.unknownOutcome, true);
    const throttled = decideAfterAttempt(refused(), 2, 0, policy);
    assert.equal(throttled.kind === "failed" && throttled.unknownOutcome, undefined);
  });

  it("ends a rejected message as blocked/rejected, without refund once parts were accepted", () => {
    const d = decideAfterAttempt(
      refused({ kind: "permanent", accepted: { connectorId: "c", smscIds: ["a"] } }),
      0,
      0,
      policy,
    );
    assert.deepEqual(d, {
      kind: "failed",
      statusCode: Status.BLOCKED,
      dlrCode: Dlr.REJECTED,
      refund: false,
      error: "SMSC answered ESME_RTHROTTLED",
    });
  });

  it("expires a message whose validity passed; with parts accepted (their connector stayed down) without refund", () => {
    const m = { createdAt: 1_000, deliveryAt: 0 };
    assert.equal(expiredBeforeSubmit(m, 1_500, 500), undefined);
    assert.deepEqual(expiredBeforeSubmit(m, 1_501, 500), {
      kind: "failed",
      statusCode: Status.NEW,
      dlrCode: Dlr.EXPIRED,
      refund: true,
      error: "validity period passed before submission",
    });
    const partial = expiredBeforeSubmit(m, 1_501, 500, { connectorId: "c", smscIds: ["a"] });
    assert.equal(partial?.kind === "failed" && partial.refund, false);
    // A scheduled message's validity counts from its delivery time.
    assert.equal(expiredBeforeSubmit({ createdAt: 1_000, deliveryAt: 10 }, 10_400, 500), undefined);
  });
});
