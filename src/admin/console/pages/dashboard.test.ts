import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { throughputChart } from "./dashboard.js";

describe("throughputChart", () => {
  const since = Date.UTC(2026, 0, 1, 12, 0);
  it("draws the current (last) minute and stacks delivered, failed and pending", () => {
    const svg = throughputChart(
      [
        { at: since, accepted: 4, delivered: 2, failed: 1 },
        { at: since + 59 * 60_000, accepted: 3, delivered: 0, failed: 0 },
      ],
      since,
      60,
    ).value;
    assert.equal((svg.match(/<rect /g) ?? []).length, 4);
    assert.match(svg, /<title>2 delivered<\/title>/);
    assert.match(svg, /<title>1 failed<\/title>/);
    assert.match(svg, /<title>1 pending<\/title>/);
    assert.match(svg, /<title>3 pending<\/title>/);
  });
  it("leaves out buckets outside the window", () => {
    const svg = throughputChart(
      [{ at: since + 60 * 60_000, accepted: 1, delivered: 1, failed: 0 }],
      since,
      60,
    ).value;
    assert.doesNotMatch(svg, /<rect /);
  });
});
