/**
 * CPU time per process, so a benchmark can say what a request or a message costs in CPU and not only how
 * many went through: on a 2-core machine shared by the gateway and the load generator, throughput alone
 * cannot tell which of them was the limit. Linux only (/proc); elsewhere every figure is NaN.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

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
function statTimes(pid: number | "self"): number[] | undefined {
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
