import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_HEAP_TRIM, shouldTrim, trimHeapWhenIdle } from "./idle-heap-trim.js";

const MB = 1024 * 1024;
const options = DEFAULT_HEAP_TRIM;

test("trims an idle loop whose heap has grown", () => {
  assert.equal(shouldTrim({ loopUtilisation: 0.01, heapTotal: 140 * MB }, 40 * MB, options), true);
});

test("leaves a busy loop alone, however large the heap", () => {
  assert.equal(shouldTrim({ loopUtilisation: 0.3, heapTotal: 400 * MB }, 40 * MB, options), false);
});

test("does not trim again until the heap has grown back by the margin", () => {
  assert.equal(shouldTrim({ loopUtilisation: 0, heapTotal: 50 * MB }, 40 * MB, options), false);
  assert.equal(shouldTrim({ loopUtilisation: 0, heapTotal: 56 * MB }, 40 * MB, options), true);
});

test("an idle process gives back the heap a burst of garbage grew", async () => {
  // Grow the old generation with short-lived garbage, as a drain does, then go quiet.
  let keep: object[][] = [];
  for (let round = 0; round < 30; round++) {
    const batch: object[] = [];
    for (let i = 0; i < 100_000; i++) batch.push({ i, text: `message ${i}` });
    keep.push(batch);
    if (keep.length > 3) keep.shift();
  }
  keep = [];
  const grown = process.memoryUsage().heapTotal;
  const trims: [number, number][] = [];
  const stop = trimHeapWhenIdle(
    { intervalMs: 200, idleBelow: 0.5, minGrowthBytes: 16 * MB },
    (before, after) => trims.push([before, after]),
  );
  try {
    const deadline = Date.now() + 30_000;
    while (trims.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(trims.length, 1, `no trim happened (heapTotal ${Math.round(grown / MB)} MB)`);
    const [before, after] = trims[0] as [number, number];
    assert.ok(after <= before - 16 * MB, `heapTotal ${before / MB} MB -> ${after / MB} MB`);
    // Quiet and not grown since: no second collection.
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(trims.length, 1);
  } finally {
    stop();
  }
});
