/**
 * Preloaded into a benched gateway (`node --import ./bench/memory-probe.mjs`): appends one JSON line of
 * process.memoryUsage() per interval to $STARLING_MEMORY_PROBE, so a bench can tell V8 heap growth
 * (heapUsed/heapTotal) from native memory (rss minus heapTotal: SQLite's caches, malloc arenas, buffers).
 * Sampling costs one syscall a second; nothing of it runs unless the variable is set.
 */
import { appendFileSync } from "node:fs";
import { threadId, workerData } from "node:worker_threads";

const file = process.env.STARLING_MEMORY_PROBE;
if (file) {
  const ms = Number(process.env.STARLING_MEMORY_PROBE_MS ?? 1000);
  const sample = () => {
    const m = process.memoryUsage();
    appendFileSync(file, `${JSON.stringify({ pid: process.pid, thread: threadId, worker: threadId ? JSON.stringify(workerData ?? null).slice(0, 40) : undefined, t: Date.now(), ...m })}\n`);
  };
  sample();
  setInterval(sample, ms).unref();
}
