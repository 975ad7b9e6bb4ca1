/**
 * Starling against Kannel, side by side (issue 12): both gateways bound to the same SMSC simulator, their
 * receipts called back to the same sink, loaded by the same client (autocannon, own process) with N
 * messages each, in alternating runs K, S, K, S …. Per run: accepted/s, submitted/s, final/s, request
 * p50/p99, CPU µs per message per process (/proc, all threads) and the load average; then medians and the
 * Starling/Kannel ratios. Kannel is Debian's: when it is missing and the bench runs as root, it runs
 * `apt-get install -y kannel` first.
 *
 *   npx tsx bench/peers/kannel.ts [N=5000] [--pairs 3] [--connections 50] [--receipt-delay-ms 100]
 *                                  [--baseline DIR]
 *   npx tsx bench/peers/kannel.ts [N=5000] --accept-only [--pairs 3] [--baseline DIR]   (kannel-accept.ts)
 *
 * `--baseline DIR` runs a second Starling from another checkout (e.g. `git worktree add DIR <commit>` with
 * node_modules linked) in every pair, on its own database, so two builds are compared in one run; the pair
 * order of the two Starlings alternates. For each Starling the gateway's CPU is also split by thread: the
 * main thread per message, the webhook sender thread per webhook event (see threadSplit in ../cpu.ts).
 *
 * Starling: `npm start` as a child on durable SQLite, POST /sms (LOX24), a webhook to the sink.
 * Kannel: bearerbox + smsbox (bench/peers/kannel.conf.in), POST /cgi-bin/sendsms, dlr-mask 27 (delivered,
 * failed, SMSC accepted, SMSC rejected) with a dlr-url to the sink. Both submit with a window of 100.
 */
import { createServer } from "node:http";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startSimulator } from "../../src/delivery/simulator/index.js";
import { cpuSeconds, microsPerItem, threadCpuSeconds, threadSplit } from "../cpu.js";
import {
  autocannon,
  formatNumber,
  freePort,
  type LoadOptions,
  percentile,
  setupAccount,
  sleep,
  startGatewayProcess,
  table,
  tempDir,
} from "../lib.js";
import { runAcceptOnly } from "./kannel-accept.js";
import { ensureKannel, startKannel } from "./kannel-process.js";

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    pairs: { type: "string", default: "3" },
    connections: { type: "string", default: "50" },
    "receipt-delay-ms": { type: "string", default: "100" },
    timeout: { type: "string", default: "120" },
    /**
     * Messages each gateway gets once before the measured runs (JIT, caches, connections), not reported:
     * 1,000 by default, N with --accept-only (a run there is short, and a first run after 1,000 still paid
     * for V8's optimising: 1.5–2× the CPU per message of the later runs).
     */
    warmup: { type: "string" },
    /** Only accept (nothing delivered): CPU per accepted message, see kannel-accept.ts. */
    "accept-only": { type: "boolean", default: false },
    /** Another checkout's gateway alongside: with --accept-only as "Starling base"; end to end in every pair. */
    baseline: { type: "string" },
  },
});
const N = Number(positionals[0] ?? 5000);
const pairs = Number(args.pairs);
const connections = Number(args.connections);
if (![N, pairs, connections].every((v) => Number.isInteger(v) && v > 0)) {
  throw new Error("N, --pairs and --connections must be positive integers");
}
const WINDOW = 100;
const missing = ensureKannel();
if (missing) {
  process.stderr.write(`${missing}\n`);
  process.exit(2);
}
if (args["accept-only"]) {
  await runAcceptOnly({
    messages: N,
    pairs,
    connections,
    warmup: Number(args.warmup ?? N),
    ...(args.baseline ? { baseline: args.baseline } : {}),
  });
  process.exit();
}

// The network side, shared: one SMSC, one sink for Starling's webhooks and Kannel's DLR callbacks.
const sim = await startSimulator({
  host: "127.0.0.1",
  port: 0,
  receiptDelayMs: Number(args["receipt-delay-ms"]),
  maxRecords: 10,
});
const run = { submits: 0, firstSubmitAt: 0, lastSubmitAt: 0, finals: 0, lastFinalAt: 0, callbacks: 0 };
sim.on("submit", (record) => {
  if (run.submits++ === 0) run.firstSubmitAt = record.receivedAt;
  run.lastSubmitAt = record.receivedAt;
});
const final = () => {
  run.finals++;
  run.lastFinalAt = Date.now();
};
const sink = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    run.callbacks++;
    const url = new URL(req.url ?? "/", "http://sink");
    if (url.pathname === "/kannel") {
      // Kannel's DLR types: 1 delivered, 2 failed, 16 SMSC rejected are final; 8 is the SMSC's ack.
      if ([1, 2, 16].includes(Number(url.searchParams.get("type")))) final();
    } else {
      try {
        const event = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { data?: { dlr_code?: number } };
        if ([1, 8, 16].includes(event.data?.dlr_code ?? 0)) final();
      } catch {
        // a malformed body shows up as a missing final
      }
    }
    res.writeHead(200).end();
  });
});
await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
const sinkUrl = `http://127.0.0.1:${(sink.address() as { port: number }).port}`;

// Starling, as npm start runs it, on durable SQLite (and the baseline build, when asked for, on its own file).
async function startStarling(systemId: string, repo?: string) {
  const dir = tempDir("kannel-peer");
  const databaseUrl = `sqlite:${join(dir, "starling.db")}`;
  const warmupAndRuns = Number(args.warmup ?? 1000) + N * pairs;
  const { token } = await setupAccount(databaseUrl, warmupAndRuns, async (store, accountId) => {
    await store.webhooks.add(accountId, `${sinkUrl}/${systemId}`, Date.now());
  });
  const port = await freePort();
  const gateway = await startGatewayProcess(
    dir,
    {
      server: { host: "127.0.0.1", port },
      database: { url: databaseUrl },
      log: { level: "warn" },
      demo: { enabled: false },
      webhooks: { enabled: true },
      delivery: {
        enabled: true,
        simulator: { enabled: false },
        connectors: [{ id: "smsc", host: "127.0.0.1", port: sim.port, systemId, password: "bench" }].map(
          (c) => ({
            ...c,
            throughputPerSecond: 1_000_000,
            window: WINDOW,
          }),
        ),
      },
    },
    [],
    repo,
  );
  const load: Omit<LoadOptions, "connections" | "amount"> = {
    url: `http://127.0.0.1:${port}/sms`,
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", "x-lox24-auth-token": token },
    body: JSON.stringify({ sender_id: "Starling", phone: "+4915112345678", text: "bench [<id>]" }),
    idReplacement: true,
  };
  return { gateway, load };
}
const starling = await startStarling("starling");
const baseline =
  args.baseline === undefined ? undefined : await startStarling("starling-base", args.baseline);
const kannel = await startKannel({ smscPort: sim.port, systemId: "kannel", window: WINDOW });

type Peer = "Kannel" | "Starling" | "Starling base";
const peersOfPair = (pair: number): Peer[] =>
  !baseline
    ? ["Kannel", "Starling"]
    : pair % 2
      ? ["Kannel", "Starling base", "Starling"]
      : ["Kannel", "Starling", "Starling base"];
const loads: Record<Peer, Omit<LoadOptions, "connections" | "amount">> = {
  Kannel: {
    url: kannel.sendsmsUrl,
    method: "POST",
    headers: {
      "content-type": "text/plain",
      "x-kannel-username": "bench",
      "x-kannel-password": "bench",
      "x-kannel-from": "Starling",
      "x-kannel-to": "+4915112345678",
      "x-kannel-dlr-mask": "27",
      "x-kannel-dlr-url": `${sinkUrl}/kannel?type=%d`,
    },
    // autocannon's argument parser (subarg) would read a body ending in "]" as a sub-argument list
    body: "bench [<id>] via Kannel",
    idReplacement: true,
  },
  Starling: starling.load,
  "Starling base": baseline?.load ?? starling.load,
};
const pidsOf: Record<Peer, Record<string, number>> = {
  Kannel: kannel.pids,
  Starling: { gateway: starling.gateway.child.pid ?? 0 },
  "Starling base": { gateway: baseline?.gateway.child.pid ?? 0 },
};
const selfCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

interface RunResult {
  peer: Peer;
  accepted: number;
  submitted: number;
  final: number;
  p50: number;
  p99: number;
  /** µs per message: the gateway's processes together, each of them, autocannon, this process. */
  gatewayCpu: number;
  perProcess: string;
  /** Starling: CPU µs of the main thread per message, of the webhook sender thread per event, of the rest per message. */
  threads: { main: number; sender: number; rest: number } | undefined;
  /** Callbacks (webhooks / DLR requests) the sink received per message. */
  callbacks: number;
  loadCpu: number;
  networkCpu: number;
  load1: number;
  complete: boolean;
}

async function measure(peer: Peer, messages = N): Promise<RunResult> {
  Object.assign(run, {
    submits: 0,
    firstSubmitAt: 0,
    lastSubmitAt: 0,
    finals: 0,
    lastFinalAt: 0,
    callbacks: 0,
  });
  const pids = pidsOf[peer];
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
  const self = selfCpu();
  const gatewayPid = peer === "Kannel" ? undefined : pids.gateway!;
  const threadsBefore = gatewayPid === undefined ? undefined : threadCpuSeconds(gatewayPid);
  const result = await autocannon({ ...loads[peer], connections, amount: messages });
  const deadline = Date.now() + Number(args.timeout) * 1000;
  while (run.finals < messages && Date.now() < deadline) await sleep(50);
  await sleep(300); // callbacks that follow the final ones (Starling's non-final events)
  const used = Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid) - before[name]!] as const);
  const split =
    gatewayPid === undefined || !threadsBefore
      ? undefined
      : threadSplit(gatewayPid, threadsBefore, threadCpuSeconds(gatewayPid));
  const perSecond = (count: number, until: number) => count / ((until - run.firstSubmitAt) / 1000);
  return {
    peer,
    accepted: result.requestsPerSecond,
    submitted: perSecond(run.submits, run.lastSubmitAt),
    final: perSecond(run.finals, run.lastFinalAt),
    p50: result.p50,
    p99: result.p99,
    gatewayCpu: microsPerItem(
      used.reduce((sum, [, s]) => sum + s, 0),
      messages,
    ),
    perProcess: used.map(([name, s]) => `${name} ${formatNumber(microsPerItem(s, messages))}`).join(", "),
    threads: split && {
      main: microsPerItem(split.main, messages),
      sender: microsPerItem(split.busiest, run.callbacks),
      rest: microsPerItem(split.rest, messages),
    },
    callbacks: run.callbacks / messages,
    loadCpu: microsPerItem(result.loadCpuSeconds, messages),
    networkCpu: microsPerItem(selfCpu() - self, messages),
    load1: loadavg()[0]!,
    complete: run.finals >= messages && result.ok2xx === messages,
  };
}

const loadBefore = loadavg()
  .map((l) => l.toFixed(2))
  .join(" ");
const warmup = Number(args.warmup ?? 1000);
if (warmup > 0) for (const peer of peersOfPair(1)) await measure(peer, warmup);
const results: RunResult[] = [];
for (let pair = 1; pair <= pairs; pair++) {
  for (const peer of peersOfPair(pair)) {
    process.stderr.write(`pair ${pair}: ${peer} …\n`);
    results.push(await measure(peer));
  }
}
const loadAfter = loadavg()
  .map((l) => l.toFixed(2))
  .join(" ");
await starling.gateway.stop();
await baseline?.gateway.stop();
await kannel.stop();
await new Promise<void>((resolve) => sink.close(() => resolve()));
await sim.close();

process.stdout.write(
  `\n${N.toLocaleString("en-US")} messages per run, ${connections} connections, window ${WINDOW}, ` +
    `receipt delay ${args["receipt-delay-ms"]} ms; load average (1/5/15 min) before ${loadBefore}, after ${loadAfter}\n\n`,
);
process.stdout.write(
  `${table(
    [
      "run",
      "accepted/s",
      "submitted/s",
      "final/s",
      "p50 ms",
      "p99 ms",
      "gateway CPU µs/msg",
      "per process",
      "main thread µs/msg",
      "sender µs/event",
      "callbacks/msg",
      "autocannon",
      "sim+sink",
      "load 1m",
    ],
    results.map((r, i) => [
      `${Math.floor(i / peersOfPair(1).length) + 1} ${r.peer}${r.complete ? "" : " (incomplete)"}`,
      r.accepted,
      r.submitted,
      r.final,
      r.p50,
      r.p99,
      r.gatewayCpu,
      r.perProcess,
      r.threads?.main ?? "",
      r.threads?.sender ?? "",
      r.callbacks,
      r.loadCpu,
      r.networkCpu,
      r.load1,
    ]),
  )}\n\n`,
);
const FIGURES = ["accepted", "submitted", "final", "p50", "p99", "gatewayCpu", "main", "sender"] as const;
const figure = (r: RunResult, key: (typeof FIGURES)[number]) =>
  key === "main" || key === "sender" ? (r.threads?.[key] ?? Number.NaN) : r[key];
const median = (peer: Peer, key: (typeof FIGURES)[number]) =>
  percentile(
    results.filter((r) => r.peer === peer).map((r) => figure(r, key)),
    50,
  );
const ratioRows = (a: Peer, b: Peer) => [`${a} / ${b}`, ...FIGURES.map((f) => median(a, f) / median(b, f))];
process.stdout.write(
  `${table(
    [
      "median",
      "accepted/s",
      "submitted/s",
      "final/s",
      "p50 ms",
      "p99 ms",
      "gateway CPU µs/msg",
      "main thread µs/msg",
      "sender µs/event",
    ],
    [
      ...peersOfPair(1).map((peer) => [peer, ...FIGURES.map((f) => median(peer, f))]),
      ratioRows("Starling", "Kannel"),
      ...(baseline ? [ratioRows("Starling base", "Kannel"), ratioRows("Starling", "Starling base")] : []),
    ],
  )}\n` +
    "(rates from the first submit at the SMSC to the stage's last event; accepted/s is autocannon's 2xx/s; " +
    "medians are nearest-rank, the lower of two middles)\n",
);
const perPair = (key: "final" | "gatewayCpu", a: Peer, b: Peer) =>
  Array.from({ length: pairs }, (_, i) => {
    const of = (peer: Peer) =>
      results.find((r, j) => Math.floor(j / peersOfPair(1).length) === i && r.peer === peer)!;
    return formatNumber(of(a)[key] / of(b)[key]);
  }).join(", ");
const pairLine = (a: Peer, b: Peer) =>
  `per pair, ${a} / ${b}: final/s ${perPair("final", a, b)}; gateway CPU per message ${perPair("gatewayCpu", a, b)}\n`;
process.stdout.write(pairLine("Starling", "Kannel"));
if (baseline) process.stdout.write(pairLine("Starling", "Starling base"));
if (results.some((r) => !r.complete)) process.exitCode = 1;
process.exit();
