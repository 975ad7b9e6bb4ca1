import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Breaker } from "./breaker.js";

const options = { failuresToOpen: 3, firstPauseMs: 1000, maxPauseMs: 3000 };

describe("Breaker", () => {
  it("opens after the set number of failures in a row, and a success in between resets the count", () => {
    const b = new Breaker(options);
    assert.equal(b.failed(0, "x"), undefined);
    assert.equal(b.failed(0, "x"), undefined);
    b.succeeded();
    assert.equal(b.failed(0, "x"), undefined);
    assert.equal(b.failed(0, "x"), undefined);
    assert.equal(b.state(0), "closed");
    assert.equal(b.allowance(0, 8), 8);
    assert.equal(b.failed(10, "timed out"), 1010);
    assert.equal(b.state(10), "open");
    assert.equal(b.allowance(10, 8), 0);
    assert.match(b.reason, /3 failed posts in a row, last: timed out/);
  });

  it("lets one probe through after the pause; a failed probe doubles the pause up to the maximum", () => {
    const b = new Breaker(options);
    for (let i = 0; i < 3; i++) b.failed(0, "x");
    assert.equal(b.state(999), "open");
    assert.equal(
      b.failed(500, "late failure of an earlier post"),
      undefined,
      "a failure while open does not extend it",
    );
    assert.equal(b.state(1000), "half-open");
    assert.equal(b.allowance(1000, 8), 1);
    assert.equal(b.failed(1000, "probe"), 3000);
    assert.equal(b.failed(3000, "probe"), 3000 + 3000, "capped at maxPauseMs");
  });

  it("closes on a success and reports that the receiver recovered", () => {
    const b = new Breaker(options);
    for (let i = 0; i < 3; i++) b.failed(0, "x");
    assert.equal(b.succeeded(), true);
    assert.equal(b.state(0), "closed");
    assert.equal(b.succeeded(), false);
    assert.equal(b.clean, true);
    for (let i = 0; i < 2; i++) b.failed(0, "x");
    assert.equal(b.state(0), "closed", "the count started again");
    assert.equal(b.clean, false, "a receiver with failures is remembered");
  });
});
