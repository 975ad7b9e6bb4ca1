import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RecentRate } from "./recent-rate.js";

describe("RecentRate", () => {
  it("averages the last minute and forgets older seconds", () => {
    let t = 1_000_000;
    const rate = new RecentRate(() => t);
    rate.add(60);
    assert.equal(rate.perSecond(), 1);
    t += 30_000;
    rate.add(30);
    assert.equal(rate.perSecond(), 1.5);
    t += 30_000; // the first 60 are a minute old now
    assert.equal(rate.perSecond(), 0.5);
    t += 600_000;
    assert.equal(rate.perSecond(), 0);
  });
});
