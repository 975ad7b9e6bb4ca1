import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Receivers } from "./receivers.js";

const limits = { budget: 2, cap: 4, breaker: { failuresToOpen: 1, firstPauseMs: 1000, maxPauseMs: 1000 } };
const U = "http://r/1";

describe("Receivers: taking new events in memory", () => {
  it("starts with claims, and takes events in memory once a complete claim has run", () => {
    const r = new Receivers(limits);
    assert.equal(r.takesInMemory(U, 0), false, "a receiver never claimed for may have events waiting");
    r.declinesSettled([U]);
    r.beforeClaim([]).drained(false);
    assert.equal(r.takesInMemory(U, 0), false, "a claim that filled its batch may have left some");
    r.declinesSettled([U]);
    r.beforeClaim([]).drained(true);
    assert.equal(r.takesInMemory(U, 0), true);
  });

  it("does not count a claim that ran while an event was left to the outbox, or before it committed", () => {
    const r = new Receivers(limits);
    r.takesInMemory(U, 0);
    // The transaction that left it is still open: a claim now may not see it.
    r.beforeClaim([]).drained(true);
    r.declinesSettled([U]);
    assert.equal(r.takesInMemory(U, 0), false);
    r.declinesSettled([U]);
    // An event left while the claim ran.
    const claim = r.beforeClaim([]);
    r.takesInMemory(U, 0);
    r.declinesSettled([U]);
    claim.drained(true);
    assert.equal(r.takesInMemory(U, 0), false);
    r.declinesSettled([U]);
    // A claim that left the receiver out says nothing about it.
    r.beforeClaim([U]).drained(true);
    assert.equal(r.takesInMemory(U, 0), false);
    r.declinesSettled([U]);
    r.beforeClaim([]).drained(true);
    assert.equal(r.takesInMemory(U, 0), true);
  });

  it("goes back to claims when the receiver is full or paused", () => {
    const r = new Receivers(limits);
    r.takesInMemory(U, 0);
    r.declinesSettled([U]);
    r.beforeClaim([]).drained(true);
    const receiver = r.of(U);
    receiver.inFlight = limits.cap;
    assert.equal(r.takesInMemory(U, 0), false, "full");
    receiver.inFlight = 0;
    assert.equal(r.takesInMemory(U, 0), false, "still back on claims: its event waits in the outbox");
    r.declinesSettled([U, U]);
    r.beforeClaim([]).drained(true);
    assert.equal(r.takesInMemory(U, 0), true);
    receiver.breaker.failed(0, "HTTP 500");
    assert.equal(r.takesInMemory(U, 10), false, "paused");
  });
});
