/**
 * What a message costs on PostgreSQL against SQLite, in one run (issue 12, target 2): the same end-to-end
 * load (POST /sms → dispatcher → SMPP → simulator → receipts → webhooks) on durable SQLite, on PostgreSQL
 * with one gateway process, and on PostgreSQL with two gateway processes sharing one database (both
 * accepting and delivering; their dispatchers share the queue through FOR UPDATE SKIP LOCKED), in
 * alternating runs. Per run: accepted/s, final/s, request p50/p99, gateway CPU µs per message (all
 * processes, all threads), PostgreSQL server CPU µs per message (every process of the cluster: backends,
 * WAL writer, checkpointer …), their total, and with --statements the statements and commits per message
 * (pg_stat_statements). Then medians, PG/SQLite ratios of the total, and two processes / one.
 *
 *   npx tsx bench/store-cost.ts [N=3000] [--rounds 2] [--modes sqlite,pg,pg2] [--connections 50]
 *                               [--receipt-delay-ms 100] [--warmup 500] [--statements] [--timeout 120]
 *                               [--baseline DIR]
 *
 * --baseline DIR adds mode "base": PostgreSQL ×1 run from another checkout (the build before a change), so
 * a change is measured against its baseline in the same run (--modes sqlite,base,pg).
 *
 * PostgreSQL is a throwaway cluster of its own (bench/pg-cluster.ts) with fsync and synchronous_commit on,
 * so both stores acknowledge a message only once it is durable. All gateways run for the whole bench
 * (each on its own database, so an idle one has nothing to claim); the idle ones poll a little, which the
 * "idle" line prints. pg_stat_statements (--statements) costs the server some CPU of its own: compare
 * CPU figures of runs made with the same flags.
 */
import { createServer } from "node:http";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startSimulator } from "../src/delivery/simulator/index.js";
import { postgresAvailable } from "../test/helpers/postgres.js";
import { cpuSeconds, microsPerItem } from "./cpu.js";
import {
  autocannon,
  type LoadResult,
  freePort,
  type GatewayChild,
  percentile,
  setupAccount,
  sleep,
  startGatewayProcess,
  table,
  tempDir,
} from "./lib.js";
import { query, startBenchCluster } from "./pg-cluster.js";

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: "string", default: "2" },
    modes: { type: "string", default: "sqlite,pg,pg2" },
    connections: { type: "string", default: "50" },
    "receipt-delay-ms": { type: "string", default: "100" },
    warmup: { type: "string", default: "500" },
    statements: { type: "boolean", default: false },
    timeout: { type: "string", default: "120" },
    /** Another checkout of Starling (e.g. `git worktree add /tmp/base main` + its node_modules): mode "base". */
    baseline: { type: "string" },
  },
});
const N = Number(positionals[0] ?? 3000);
const rounds = Number(args.rounds);
const connections = Number(args.connections);
if (![N, rounds, connections].every((v) => Number.isInteger(v) && v > 0)) {
  throw new Error("N, --rounds and --connections must be positive integers");
}
type Mode = "sqlite" | "pg" | "pg2" | "base";
const modes = args.modes.split(",") as Mode[];
if (!modes.every((m) => ["sqlite", "pg", "pg2", "base"].includes(m)))
  throw new Error("--modes: sqlite, pg, pg2, base");
if (modes.includes("base") && !args.baseline) throw new Error("mode base needs --baseline DIR");
if (modes.some((m) => m !== "sqlite") && !postgresAvailable()) {
  process.stderr.write("PostgreSQL server binaries are not installed (apt-get install postgresql)\n");
  process.exit(2);
}
const WINDOW = 100;
const OTP_HASH_KEY = "store-cost-bench-otp-hash-key-0123456789";

// The network side, shared: one SMSC, one sink for every gateway's webhooks.
const sim = await startSimulator({
  host: "127.0.0.1",
  port: 0,
  receiptDelayMs: Number(args["receipt-delay-ms"]),
  maxRecords: 10,
});
const run = { submits: 0, firstSubmitAt: 0, finals: 0, lastFinalAt: 0 };
sim.on("submit", (record) => {
  if (run.submits++ === 0) run.firstSubmitAt = record.receivedAt;
});
const sink = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    try {
      const event = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { data?: { dlr_code?: number } };
      if ([1, 8, 16].includes(event.data?.dlr_code ?? 0)) {
        run.finals++;
        run.lastFinalAt = Date.now();
      }
    } catch {
      // a malformed body shows up as a missing final
    }
    res.writeHead(200).end();
  });
});
await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
const hookUrl = `http://127.0.0.1:${(sink.address() as { port: number }).port}/starling`;

const dir = tempDir("store-cost");
const warmup = Number(args.warmup);
const balance = (N * rounds + 2 * warmup) * 0.1;
const cluster = modes.some((m) => m !== "sqlite")
  ? await startBenchCluster({ statements: args.statements })
  : undefined;

interface Target {
  mode: Mode;
  databaseUrl: string;
  token: string;
  gateways: { gateway: GatewayChild; port: number }[];
}

async function startTarget(mode: Mode): Promise<Target> {
  const databaseUrl =
    mode === "sqlite"
      ? `sqlite:${join(dir, "starling.db")}`
      : await (cluster ?? { database: async () => "" }).database();
  // The baseline's database is set up by the baseline's own code (its migrations, not this checkout's).
  const setup: typeof setupAccount =
    mode === "base" ? (await import(join(args.baseline!, "bench/lib.ts"))).setupAccount : setupAccount;
  const { token } = await setup(databaseUrl, balance, async (store, accountId) => {
    await store.webhooks.add(accountId, hookUrl, Date.now());
  });
  const gateways = [];
  for (let i = 0; i < (mode === "pg2" ? 2 : 1); i++) {
    const port = await freePort();
    const gateway = await startGatewayProcess(
      dir,
      {
        server: { host: "127.0.0.1", port },
        database: { url: databaseUrl },
        log: { level: "warn" },
        demo: { enabled: false },
        otp: { hashKey: OTP_HASH_KEY },
        webhooks: { enabled: true },
        delivery: {
          enabled: true,
          simulator: { enabled: false },
          connectors: [
            {
              id: "smsc",
              host: "127.0.0.1",
              port: sim.port,
              systemId: mode,
              password: "bench",
              throughputPerSecond: 1_000_000,
              window: WINDOW,
            },
          ],
        },
      },
      [],
      mode === "base" ? args.baseline : undefined,
    );
    gateways.push({ gateway, port });
  }
  return { mode, databaseUrl, token, gateways };
}

const targets = new Map<Mode, Target>();
for (const mode of modes) targets.set(mode, await startTarget(mode));

interface RunResult {
  mode: Mode;
  accepted: number;
  final: number;
  p50: number;
  p99: number;
  /** µs per message. */
  gatewayCpu: number;
  serverCpu: number;
  /** PostgreSQL's CPU per message by kind of process. */
  serverSplit: string;
  statements: number;
  commits: number;
  load1: number;
  complete: boolean;
}

/** Per mode, per statement text: calls and execution time over its runs (with --statements). */
const statementTotals = new Map<Mode, Map<string, { calls: number; ms: number; blocks: number }>>();

async function measure(target: Target, messages: number): Promise<RunResult> {
  Object.assign(run, { submits: 0, firstSubmitAt: 0, finals: 0, lastFinalAt: 0 });
  const pg = target.mode !== "sqlite";
  if (pg && args.statements) await query(target.databaseUrl, "SELECT pg_stat_statements_reset()");
  const pids = target.gateways.map((g) => g.gateway.child.pid ?? 0);
  const gatewayBefore = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const serverBefore = pg ? cluster!.cpuByKind() : new Map<string, number>();
  // The load is split evenly between the gateways, each with its share of the connections.
  const share = target.gateways.length;
  const loads = await Promise.all(
    target.gateways.map(({ port }) =>
      autocannon({
        url: `http://127.0.0.1:${port}/sms`,
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          "x-lox24-auth-token": target.token,
        },
        body: JSON.stringify({ sender_id: "Starling", phone: "+4915112345678", text: "bench [<id>]" }),
        idReplacement: true,
        amount: Math.ceil(messages / share),
        connections: Math.ceil(connections / share),
      }),
    ),
  );
  const sent = loads.reduce((sum, l) => sum + l.ok2xx, 0);
  const deadline = Date.now() + Number(args.timeout) * 1000;
  while (run.finals < sent && Date.now() < deadline) await sleep(50);
  await sleep(300); // the last messages' non-final events
  const gatewayCpu = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0) - gatewayBefore;
  const serverAfter = pg ? cluster!.cpuByKind() : new Map<string, number>();
  const serverSplit = [...serverAfter].map(([kind, s]) => [kind, s - (serverBefore.get(kind) ?? 0)] as const);
  const serverCpu = pg ? serverSplit.reduce((sum, [, s]) => sum + s, 0) : Number.NaN;
  let statements = Number.NaN;
  let commits = Number.NaN;
  if (pg && args.statements) ({ statements, commits } = await readStatements(target, sent));
  const mean = (pick: (l: LoadResult) => number) => loads.reduce((sum, l) => sum + pick(l), 0) / loads.length;
  return {
    mode: target.mode,
    accepted: sent / Math.max(...loads.map((l) => l.durationSeconds)),
    final: run.finals / ((run.lastFinalAt - run.firstSubmitAt) / 1000),
    p50: mean((l) => l.p50),
    p99: mean((l) => l.p99),
    gatewayCpu: microsPerItem(gatewayCpu, sent),
    serverCpu: microsPerItem(serverCpu, sent),
    serverSplit: serverSplit
      .filter(([, s]) => s > 0)
      .map(([kind, s]) => `${kind} ${Math.round(microsPerItem(s, sent))}`)
      .join(", "),
    statements,
    commits,
    load1: loadavg()[0]!,
    complete: run.finals >= messages && sent >= messages,
  };
}

async function readStatements(
  target: Target,
  messages: number,
): Promise<{ statements: number; commits: number }> {
  const rows = await query<{ query: string; calls: number; ms: number; blocks: number }>(
    target.databaseUrl,
    `SELECT query, calls::int AS calls, total_exec_time AS ms, shared_blks_hit + shared_blks_read AS blocks
       FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND query NOT LIKE '%pg_stat_statements%'`,
  );
  const totals =
    statementTotals.get(target.mode) ?? new Map<string, { calls: number; ms: number; blocks: number }>();
  statementTotals.set(target.mode, totals);
  let statements = 0;
  let commits = 0;
  for (const row of rows) {
    statements += row.calls;
    if (/^\s*commit\b/i.test(row.query)) commits += row.calls;
    const key = row.query.replace(/\s+/g, " ").slice(0, 110);
    const t = totals.get(key) ?? { calls: 0, ms: 0, blocks: 0 };
    t.calls += row.calls;
    t.ms += row.ms;
    t.blocks += Number(row.blocks);
    totals.set(key, t);
  }
  return { statements: statements / messages, commits: commits / messages };
}

// Idle: what the gateways and the cluster use with nothing to do, over 3 s.
const allPids = [...targets.values()].flatMap((t) => t.gateways.map((g) => g.gateway.child.pid ?? 0));
await sleep(1000);
const idleBefore = {
  gateways: allPids.reduce((s, p) => s + cpuSeconds(p), 0),
  server: cluster?.cpuSeconds() ?? 0,
};
await sleep(3000);
const idle = {
  gateways: (allPids.reduce((s, p) => s + cpuSeconds(p), 0) - idleBefore.gateways) / 3,
  server: ((cluster?.cpuSeconds() ?? 0) - idleBefore.server) / 3,
};

const loadBefore = loadavg()
  .map((l) => l.toFixed(2))
  .join(" ");
if (warmup > 0) for (const mode of modes) await measure(targets.get(mode)!, warmup);
const results: RunResult[] = [];
for (let round = 1; round <= rounds; round++) {
  for (const mode of modes) {
    process.stderr.write(`round ${round}: ${mode} …\n`);
    results.push(await measure(targets.get(mode)!, N));
  }
}
const loadAfter = loadavg()
  .map((l) => l.toFixed(2))
  .join(" ");
for (const target of targets.values()) for (const { gateway } of target.gateways) await gateway.stop();
await new Promise<void>((resolve) => sink.close(() => resolve()));
await sim.close();

const label: Record<Mode, string> = {
  sqlite: "SQLite",
  pg: "PostgreSQL ×1",
  pg2: "PostgreSQL ×2",
  base: "PostgreSQL ×1 baseline",
};
const total = (r: RunResult) => r.gatewayCpu + (Number.isNaN(r.serverCpu) ? 0 : r.serverCpu);
process.stdout.write(
  `\n${N.toLocaleString("en-US")} messages per run, ${connections} connections, window ${WINDOW}, receipt delay ` +
    `${args["receipt-delay-ms"]} ms; durable SQLite and PostgreSQL (fsync, synchronous_commit on)` +
    `${args.statements ? ", pg_stat_statements on" : ""}\nload average (1/5/15 min) before ${loadBefore}, after ${loadAfter}; ` +
    `idle CPU: gateways ${(idle.gateways * 100).toFixed(1)}% of a core, PostgreSQL ${(idle.server * 100).toFixed(1)}%\n\n`,
);
process.stdout.write(
  `${table(
    [
      "run",
      "accepted/s",
      "final/s",
      "p50 ms",
      "p99 ms",
      "gateway µs/msg",
      "PG server µs/msg",
      "total µs/msg",
      ...(args.statements ? ["statements/msg", "commits/msg"] : []),
      "load 1m",
    ],
    results.map((r, i) => [
      `${Math.floor(i / modes.length) + 1} ${label[r.mode]}${r.complete ? "" : " (incomplete)"}`,
      r.accepted,
      r.final,
      r.p50,
      r.p99,
      r.gatewayCpu,
      r.serverCpu,
      total(r),
      ...(args.statements ? [r.statements, r.commits] : []),
      r.load1,
    ]),
  )}\n\n`,
);
process.stdout.write(
  `PostgreSQL server CPU by process, µs/msg:\n${results
    .map((r, i) =>
      r.serverSplit ? `  ${Math.floor(i / modes.length) + 1} ${label[r.mode]}: ${r.serverSplit}\n` : "",
    )
    .join("")}\n`,
);
const median = (mode: Mode, pick: (r: RunResult) => number) =>
  percentile(results.filter((r) => r.mode === mode).map(pick), 50);
const medianRow = (mode: Mode) => [
  label[mode],
  median(mode, (r) => r.accepted),
  median(mode, (r) => r.final),
  median(mode, (r) => r.gatewayCpu),
  median(mode, (r) => r.serverCpu),
  median(mode, total),
];
const lines: (string | number)[][] = modes.map(medianRow);
const ratio = (a: Mode, b: Mode, name: string) =>
  modes.includes(a) && modes.includes(b)
    ? [
        lines.push([
          name,
          median(a, (r) => r.accepted) / median(b, (r) => r.accepted),
          median(a, (r) => r.final) / median(b, (r) => r.final),
          median(a, (r) => r.gatewayCpu) / median(b, (r) => r.gatewayCpu),
          Number.NaN,
          median(a, total) / median(b, total),
        ]),
      ]
    : [];
ratio("pg", "sqlite", "PostgreSQL ×1 / SQLite");
ratio("pg2", "pg", "PostgreSQL ×2 / ×1");
ratio("base", "sqlite", "baseline / SQLite");
ratio("pg", "base", "PostgreSQL ×1 / baseline");
process.stdout.write(
  `${table(["median", "accepted/s", "final/s", "gateway µs/msg", "PG server µs/msg", "total µs/msg"], lines)}\n` +
    "(final/s from the first submit at the SMSC to the last final webhook; medians nearest-rank, the lower of two middles; " +
    "target 2: PostgreSQL total ≤ 1.5 × SQLite's, and ×2 final/s > ×1)\n",
);
if (modes.includes("pg") && modes.includes("sqlite")) {
  const perRound = Array.from({ length: rounds }, (_, i) => {
    const of = (m: Mode) => results.find((r, j) => r.mode === m && Math.floor(j / modes.length) === i)!;
    return (total(of("pg")) / total(of("sqlite"))).toFixed(2);
  });
  process.stdout.write(`per round, PostgreSQL ×1 / SQLite total CPU: ${perRound.join(", ")}\n`);
}
for (const [mode, totals] of statementTotals) {
  const messages = N * rounds + warmup;
  const top = [...totals.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 24);
  process.stdout.write(
    `\n${label[mode]}: statements by execution time (all its runs and the warm-up, pg_stat_statements)\n${table(
      ["statement", "calls/msg", "exec µs/call", "blocks/call"],
      top.map(([text, t]) => [text, t.calls / messages, (t.ms * 1000) / t.calls, t.blocks / t.calls]),
    )}\n`,
  );
}
if (results.some((r) => !r.complete)) process.exitCode = 1;
process.exit();
