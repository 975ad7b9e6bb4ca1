import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { loadConfig } from "../config.js";
import { HEAP_GROWING_PERCENT, limitHeapGrowth } from "./heap-growth.js";

/**
 * In a child process (the flag is process-wide): keeps ~40 MB live, as a draining gateway does, and churns
 * through short-lived objects that live long enough to be promoted; prints the highest heapTotal seen.
 */
function peakHeapMb(percent: number): number {
  const script = `
    const { limitHeapGrowth } = await import(${JSON.stringify(new URL("./heap-growth.ts", import.meta.url).href)});
    limitHeapGrowth(${percent});
    const live = [];
    for (let i = 0; i < 400_000; i++) live.push({ a: i, b: "x" + i, c: [i] });
    const ring = new Array(200_000);
    let peak = 0;
    for (let i = 0; i < 10_000_000; i++) {
      ring[i % ring.length] = { i, s: "m" + i };
      if (i % 50_000 === 0) peak = Math.max(peak, process.memoryUsage().heapTotal);
    }
    process.stdout.write(String(Math.round(peak / 2 ** 20) + live.length * 0));
  `;
  const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    encoding: "utf8",
  });
  return Number(out);
}

test("a bounded growing factor keeps the heap's swell over its live set small", () => {
  const unbounded = peakHeapMb(0);
  const bounded = peakHeapMb(HEAP_GROWING_PERCENT);
  assert.ok(
    bounded < unbounded * 0.75,
    `peak heapTotal ${bounded} MB with ${HEAP_GROWING_PERCENT}% against ${unbounded} MB with V8's own factor`,
  );
});

test("0 leaves V8's factor alone; a negative or fractional percent is refused", () => {
  assert.doesNotThrow(() => limitHeapGrowth(0));
  assert.throws(() => limitHeapGrowth(-1), /integer ≥ 0/);
  assert.throws(() => limitHeapGrowth(12.5), /integer ≥ 0/);
});

test("the setting comes from STARLING_HEAP_GROWING_PERCENT, defaulting to the measured choice", () => {
  assert.equal(loadConfig({}).runtime.heapGrowingPercent, HEAP_GROWING_PERCENT);
  assert.equal(loadConfig({ STARLING_HEAP_GROWING_PERCENT: "0" }).runtime.heapGrowingPercent, 0);
  assert.throws(() => loadConfig({ STARLING_HEAP_GROWING_PERCENT: "-5" }), /runtime\.heapGrowingPercent/);
});
