/**
 * Gives V8 heap back to the system once the process has gone quiet after heavy work.
 *
 * What a campaign drain or a burst of connections grows is mostly V8's heap, and mostly garbage: the live
 * heap stays ~30–40 MB (heap snapshots taken mid-drain, see docs/architecture.md), but under a high
 * allocation rate V8 lets the old generation grow to several times that before it collects, and it keeps
 * the pages it grew. It would shrink them at its next full collection, but an idle process allocates
 * nothing, so none comes: RSS stays at the high-water mark for minutes or for good. Node offers no call for
 * V8's "memory pressure" collection, so this runs the one full collection the `gc` extension offers, only
 * when the event loop has been nearly idle for a whole interval and the committed heap has grown by a
 * margin since the last such collection (so a quiet gateway is collected once, not every interval).
 */
import { performance } from "node:perf_hooks";
import v8 from "node:v8";
import vm from "node:vm";

export interface HeapTrimOptions {
  /** How often to look (and the span over which "idle" is judged). */
  intervalMs: number;
  /** The event loop counts as idle below this share of the interval spent running (0..1). */
  idleBelow: number;
  /**
   * Collect only when the committed heap has grown by at least this much since the last collection here
   * (heapUsed cannot tell: until a full collection it counts the garbage too).
   */
  minGrowthBytes: number;
}

export const DEFAULT_HEAP_TRIM: HeapTrimOptions = {
  intervalMs: 10_000,
  idleBelow: 0.1,
  minGrowthBytes: 16 * 1024 * 1024,
};

export interface HeapReading {
  /** Event loop utilisation over the last interval (0..1). */
  loopUtilisation: number;
  heapTotal: number;
}

/**
 * Whether to collect now. `trimmedAt` is the committed heap right after the last trim (0 if none): a
 * heap that has not grown since is left alone, so a quiet gateway is not collected every interval.
 */
export function shouldTrim(reading: HeapReading, trimmedAt: number, options: HeapTrimOptions): boolean {
  if (reading.loopUtilisation >= options.idleBelow) return false;
  return reading.heapTotal >= trimmedAt + options.minGrowthBytes;
}

let cachedGc: (() => void) | undefined;
/** V8's `gc` extension, enabled at run time (no `--expose-gc` on the command line of `npm start`). */
export function fullCollection(): () => void {
  if (!cachedGc) {
    v8.setFlagsFromString("--expose-gc");
    cachedGc = vm.runInNewContext("gc") as () => void;
  }
  return cachedGc;
}

/** Starts watching; returns a function that stops. The timer never keeps the process alive. */
export function trimHeapWhenIdle(
  options: HeapTrimOptions = DEFAULT_HEAP_TRIM,
  onTrim?: (before: number, after: number) => void,
): () => void {
  const gc = fullCollection();
  let last = performance.eventLoopUtilization();
  let trimmedAt = 0;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const loopUtilisation = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    const { heapTotal } = process.memoryUsage();
    if (heapTotal < trimmedAt) trimmedAt = heapTotal; // V8 shrank it by itself meanwhile
    if (!shouldTrim({ loopUtilisation, heapTotal }, trimmedAt, options)) return;
    gc();
    trimmedAt = process.memoryUsage().heapTotal;
    onTrim?.(heapTotal, trimmedAt);
  }, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
