/**
 * Bounds how far V8 lets the old generation grow between full collections.
 *
 * During a sustained drain the gateway's live heap stays ~40 MB, but V8 sets the next full collection's
 * trigger at live size × a growing factor it picks from its GC and mutator speeds, up to 4× on a machine
 * with plenty of memory. A drain allocates fast and collects cheaply, so it gets the 4×: heapUsed climbed
 * from ~40 to ~155 MB of mostly garbage before each full collection, and RSS with it (bench/
 * backlog-memory.ts: +125 MB over the baseline through a 200,000-message backlog). A fixed factor of
 * 1 + percent/100 makes full collections more frequent and the swell proportionally smaller; each one
 * marks only the live ~40 MB, so the extra CPU is small (measured side by side in bench/README.md).
 *
 * V8 reads this flag each time it recomputes its limits, so setting it at run time works (unlike the
 * semi-space sizes, fixed when a heap is created); it is process-wide, worker threads included.
 */
import v8 from "node:v8";

/** The default (config runtime.heapGrowingPercent): chosen by the A/B runs in bench/README.md. */
export const HEAP_GROWING_PERCENT = 50;

/** 0 leaves V8's own dynamic factor (up to 4×). */
export function limitHeapGrowth(percent: number): void {
  if (!Number.isInteger(percent) || percent < 0)
    throw new Error(`heap growing percent must be an integer ≥ 0`);
  if (percent > 0) v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}
