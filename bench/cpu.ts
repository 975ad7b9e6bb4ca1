/**
 * CPU time per process, so a benchmark can say what a request or a message costs in CPU and not only how
 * many went through: on a 2-core machine shared by the gateway and the load generator, throughput alone
 * cannot tell which of them was the limit. Linux only (/proc); elsewhere every figure is NaN.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Fields 14–17 of /proc/<pid>/stat: utime, stime, cutime, cstime, in clock ticks. */
function statTimes(pid: number | string): number[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses; the fields after it do not.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return rest.slice(11, 15).map(Number);
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system, all threads) the process has used so far. */
export function cpuSeconds(pid: number | "self"): number {
  const t = statTimes(pid);
  return t ? (t[0]! + t[1]!) / clockTicks() : Number.NaN;
}

/** CPU seconds of `pid` (all threads) and of its children that have exited and been reaped. */
export function cpuSecondsWithReapedChildren(pid: number): number {
  const t = statTimes(pid);
  return t ? (t[0]! + t[1]! + t[2]! + t[3]!) / clockTicks() : Number.NaN;
}

/** CPU seconds of this process's children that have exited (and been waited for) so far. */
export function exitedChildrenCpuSeconds(): number {
  const t = statTimes("self");
  return t ? (t[2]! + t[3]!) / clockTicks() : Number.NaN;
}

/** Microseconds of CPU per item, for tables. */
export function microsPerItem(seconds: number, items: number): number {
  return items > 0 ? (seconds * 1e6) / items : Number.NaN;
}

/** CPU seconds (user + system) of each thread of a process so far, by thread id (Linux; empty elsewhere). */
export function threadCpuSeconds(pid: number): Map<number, number> {
  const threads = new Map<number, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return threads;
  }
  for (const tid of tids) {
    const t = statTimes(`${pid}/task/${tid}`);
    if (t) threads.set(Number(tid), (t[0]! + t[1]!) / clockTicks());
  }
  return threads;
}

/**
 * A Node process's CPU split by thread between two `threadCpuSeconds` readings: the main thread (its id is
 * the pid), the busiest other thread, and the rest (V8's GC helpers, libuv's pool). Every Node thread is
 * called "node" in /proc, so the busiest other one is named by its share; in a Starling gateway that
 * posts webhooks it is the webhook sender thread (it posts two events per message; the helpers do GC).
 */
export function threadSplit(
  pid: number,
  before: Map<number, number>,
  after: Map<number, number>,
): { main: number; busiest: number; rest: number } {
  let main = 0;
  let busiest = 0;
  let rest = 0;
  for (const [tid, seconds] of after) {
    const used = seconds - (before.get(tid) ?? 0);
    if (tid === pid) main = used;
    else if (used > busiest) {
      rest += busiest;
      busiest = used;
    } else rest += used;
  }
  return { main, busiest, rest };
}
