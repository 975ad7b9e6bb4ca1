/**
 * Shared pieces of the benchmarks: the gateway as a child process (exactly as `npm start` runs it), an
 * account made through the store API, autocannon as the load generator in its own process, percentiles,
 * tables, and a CPU-profile summary that says where the gateway's time went.
 */
import { LOAD_TEST_FRAUD } from "../harness/load-fraud.js";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  freePort,
  type GatewayProcess,
  killOnExit,
  REPO,
  sleep,
  spawnGateway,
} from "../harness/gateway-process.js";
import { exitedChildrenCpuSeconds } from "./cpu.js";
import { systemClock } from "../src/app/deps.js";
import { createAccount, createKey } from "../src/app/manage-accounts.js";
import { openStore } from "../src/store/open.js";
import type { Store } from "../src/store/ports/index.js";

export { freePort, REPO, sleep };

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `starling-bench-${prefix}-`));
}

export type GatewayChild = GatewayProcess;

/** Writes `config` to a file and runs the gateway with it (harness/gateway-process.ts); resolves when /health answers. */
export async function startGatewayProcess(
  dir: string,
  config: Record<string, unknown> & { server: { host?: string; port: number } },
  nodeArgs: string[] = [],
  repo?: string,
): Promise<GatewayChild> {
  const configFile = join(dir, `config-${Date.now()}.json`);
  writeFileSync(configFile, JSON.stringify({ fraud: LOAD_TEST_FRAUD, ...config }, null, 2));
  // A profiled gateway writes its profile on a graceful exit: give it time.
  return spawnGateway({
    label: "bench",
    configFile,
    port: config.server.port,
    nodeArgs,
    startTimeoutMs: 30_000,
    stopGraceMs: 30_000,
    repo,
  });
}

/** An account (DE, given balance) with one key, plus whatever `extra` does with the open store. */
export async function setupAccount(
  databaseUrl: string,
  balance: number,
  extra: (store: Store, accountId: number) => Promise<void> = async () => {},
): Promise<{ accountId: number; token: string }> {
  const store = await openStore(databaseUrl);
  try {
    const deps = { store, clock: systemClock, pricing: { defaultPricePerPartMicros: 70_000 } };
    const account = await createAccount(deps, { name: "bench", country: "DE", balance });
    const { token } = await createKey(deps, account.id);
    await extra(store, account.id);
    return { accountId: account.id, token };
  } finally {
    await store.close();
  }
}

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  total: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationSeconds: number;
  /** CPU seconds autocannon itself used (its process, all threads). */
  loadCpuSeconds: number;
}

export interface LoadOptions {
  url: string;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  /** Seconds; or `amount` requests. */
  duration?: number;
  amount?: number;
  /** Replace [<id>] in the body with a unique id per request. */
  idReplacement?: boolean;
}

/** Runs autocannon in its own process (so the load generator does not share an event loop with anything). */
export async function autocannon(options: LoadOptions): Promise<LoadResult> {
  const bin = join(REPO, "node_modules", "autocannon", "autocannon.js");
  const args = [bin, "-j", "-c", String(options.connections), "-m", options.method ?? "GET"];
  if (options.amount !== undefined) args.push("-a", String(options.amount));
  else args.push("-d", String(options.duration ?? 10));
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push("-H", `${name}=${value}`);
  if (options.body !== undefined) args.push("-b", options.body);
  if (options.idReplacement) args.push("-I");
  args.push("-t", "30", options.url);
  const cpuBefore = exitedChildrenCpuSeconds();
  const child = spawn(process.execPath, args, { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
  killOnExit(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (c: Buffer) => {
    stdout += c.toString("utf8");
  });
  child.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString("utf8");
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  if (code !== 0) throw new Error(`autocannon exited with ${code}: ${stderr.slice(-2000)}`);
  const r = JSON.parse(stdout) as {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    errors: number;
    timeouts: number;
    non2xx: number;
    "2xx": number;
    duration: number;
  };
  return {
    requestsPerSecond: r.duration > 0 ? r["2xx"] / r.duration : 0,
    p50: r.latency.p50,
    p99: r.latency.p99,
    total: r.requests.total,
    ok2xx: r["2xx"],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    durationSeconds: r.duration,
    // Node has reaped autocannon by the time "exit" fires, so its CPU is now in this process's children's.
    loadCpuSeconds: exitedChildrenCpuSeconds() - cpuBefore,
  };
}

/** Nearest-rank percentile of unsorted numbers (NaN for none). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** A plain-text table with right-aligned numbers. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === "number" ? formatNumber(c) : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? "").length)));
  const line = (r: (string | number)[]) =>
    r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join("  ");
  return [line(cells[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join(
    "\n",
  );
}

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return "-";
  if (Number.isInteger(n) || Math.abs(n) >= 100) return Math.round(n).toLocaleString("en-US");
  return n.toFixed(Math.abs(n) >= 10 ? 1 : 2);
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

/** What a script URL belongs to: an npm package, a folder of Starling, a part of Node, or a VM state. */
function categoryOf(url: string, functionName: string): string | undefined {
  if (!url) {
    if (functionName.startsWith("(")) return functionName; // (garbage collector), (program), (idle)
    return undefined; // native function: belongs to its caller
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1] === "tsx" ? "tsx (loader)" : pkg[1];
  const src = /\/(src|bench|test)\/([^/]+)/.exec(url);
  if (src) return src[1] === "src" ? `starling src/${src[2]!.replace(/\.ts$/, "")}` : src[1];
  const internal = /^node:(?:internal\/)?([^/]+)/.exec(url);
  if (internal) return `node:${internal[1]}`;
  return url;
}

/**
 * Self time per category from the main thread's .cpuprofile in `dir` (tsx's loader runs in a worker thread,
 * which writes a profile of its own: CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile, main thread = 0); a native function's time goes to the
 * JavaScript that called it (so SQLite's C code counts as better-sqlite3 or whoever called it).
 */
export function summariseCpuProfile(dir: string, top = 14): string {
  const files = readdirSync(dir).filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  if (files.length === 0) return "(no CPU profile was written)";
  const profile = JSON.parse(readFileSync(join(dir, files.sort().at(-1)!), "utf8")) as {
    nodes: ProfileNode[];
    startTime: number;
    endTime: number;
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const categoryCache = new Map<number, string>();
  const category = (id: number): string => {
    const cached = categoryCache.get(id);
    if (cached) return cached;
    const node = byId.get(id)!;
    const own = categoryOf(node.callFrame.url, node.callFrame.functionName);
    const p = parent.get(id);
    const result = own ?? (p === undefined ? "(native)" : category(p));
    categoryCache.set(id, result);
    return result;
  };
  const perCategory = new Map<string, number>();
  const perFunction = new Map<string, number>();
  let total = 0;
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0;
    if (hits === 0) continue;
    total += hits;
    const c = category(n.id);
    perCategory.set(c, (perCategory.get(c) ?? 0) + hits);
    const where = n.callFrame.url ? n.callFrame.url.replace(/^.*\/(node_modules|src)\//, "$1/") : c;
    const fn = `${n.callFrame.functionName || "(anonymous)"} ${where}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ""}`;
    perFunction.set(fn, (perFunction.get(fn) ?? 0) + hits);
  }
  const seconds = (profile.endTime - profile.startTime) / 1e6;
  const pct = (hits: number) => `${((100 * hits) / total).toFixed(1)}%`;
  const busy = total - (perCategory.get("(idle)") ?? 0);
  const rows = [...perCategory.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  const fns = [...perFunction.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    `gateway CPU profile: ${seconds.toFixed(1)} s sampled, ${pct(busy)} busy (not idle)`,
    table(
      ["where (self time; native code counted to its JS caller)", "share"],
      rows.map(([c, h]) => [c, pct(h)]),
    ),
    "",
    table(
      ["hottest functions (self time)", "share"],
      fns.map(([f, h]) => [f, pct(h)]),
    ),
  ].join("\n");
}
