/**
 * Preloaded into a benched gateway (`node --import ./bench/memory-probe.mjs`): appends one JSON line of
 * process.memoryUsage() per interval to $STARLING_MEMORY_PROBE, so a bench can tell V8 heap growth
 * (heapUsed/heapTotal) from native memory (rss minus heapTotal: SQLite's caches, malloc arenas, buffers).
 * Sampling costs one syscall a second; nothing of it runs unless the variable is set.
 */
import { appendFileSync } from "node:fs";
import { constants, PerformanceObserver } from "node:perf_hooks";
import { threadId, workerData } from "node:worker_threads";

const file = process.env.STARLING_MEMORY_PROBE;
if (file) {
  const ms = Number(process.env.STARLING_MEMORY_PROBE_MS ?? 1000);
  // This thread's garbage-collection pauses so far (count and milliseconds): what a heap setting costs.
  const gc = { gcCount: 0, gcMajor: 0, gcMs: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.gcCount++;
      if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) gc.gcMajor++;
      gc.gcMs += entry.duration;
    }
  }).observe({ entryTypes: ["gc"] });
  const sample = () => {
    const m = process.memoryUsage();
    appendFileSync(
      file,
      `${JSON.stringify({ pid: process.pid, thread: threadId, worker: threadId ? JSON.stringify(workerData ?? null).slice(0, 40) : undefined, t: Date.now(), ...m, ...gc })}\n`,
    );
  };
  sample();
  setInterval(sample, ms).unref();
}
