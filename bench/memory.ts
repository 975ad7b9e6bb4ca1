/**
 * RSS of a benched gateway before, at the peak of and after a run, from the samples bench/memory-probe.mjs
 * writes inside it. The breakdown says where growth lives: V8's heap (heapUsed, heapTotal) or outside it
 * (rss − heapTotal: SQLite's page and statement caches, malloc arenas, Buffers counted in external).
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { table } from "./lib.js";

/** The preload script; pass `["--import", MEMORY_PROBE]` as node arguments and set STARLING_MEMORY_PROBE. */
export const MEMORY_PROBE = fileURLToPath(new URL("./memory-probe.mjs", import.meta.url));

export interface MemorySample {
  pid: number;
  /** 0 on the main thread; a worker thread's samples (its own heap, the process's rss) are left out. */
  thread?: number;
  t: number;
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** This thread's GC pauses so far: all, full (mark-compact) ones, and their milliseconds. */
  gcCount?: number;
  gcMajor?: number;
  gcMs?: number;
}

export function readSamples(file: string, pid: number): MemorySample[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as MemorySample)
    .filter((s) => s.pid === pid && !s.thread);
}

const MB = 1024 * 1024;
const mb = (n: number) => (n / MB).toFixed(0);

/**
 * before: the last sample before the work started (t0); peak: the highest RSS until the work was done
 * (drainedAt); after: the last sample (the gateway idle since drainedAt).
 */
export function memoryReport(file: string, pid: number, at: { t0: number; drainedAt: number }): string {
  const samples = readSamples(file, pid);
  if (samples.length === 0) return "memory: no samples (was the gateway started with MEMORY_PROBE?)";
  const first = samples[0] as MemorySample;
  const before = samples.filter((s) => s.t <= at.t0).at(-1) ?? first;
  const during = samples.filter((s) => s.t >= at.t0 && s.t <= at.drainedAt);
  const peak = during.reduce((p, s) => (s.rss > p.rss ? s : p), before);
  const after = samples.at(-1) ?? before;
  const row = (label: string, s: MemorySample) => [
    label,
    mb(s.rss),
    mb(s.heapTotal),
    mb(s.heapUsed),
    mb(s.external),
    mb(s.arrayBuffers),
    mb(s.rss - s.heapTotal),
  ];
  const idleSeconds = Math.max(0, (after.t - at.drainedAt) / 1000).toFixed(0);
  return (
    `${table(
      ["gateway memory, MB", "rss", "heapTotal", "heapUsed", "external", "arrayBuffers", "rss − heapTotal"],
      [row("before", before), row("peak (by rss)", peak), row(`after (${idleSeconds} s idle)`, after)],
    )}\n` +
    `RSS before / peak / after: ${mb(before.rss)} / ${mb(peak.rss)} / ${mb(after.rss)} MB ` +
    `(growth at peak ${mb(peak.rss - before.rss)} MB, kept after ${mb(after.rss - before.rss)} MB)`
  );
}
