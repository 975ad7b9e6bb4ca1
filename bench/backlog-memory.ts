/**
 * Gateway memory through a large backlog and its drain (issue 12, target 5: RSS within 100 MB of its
 * baseline). A backlog of N messages (default 200,000) is written straight into the store (as
 * bench/otp-latency.ts does: one message through prepareMessage, the rest copies) before the gateway
 * starts; the gateway then drains it over SMPP to the simulator, with delivery receipts and a webhook per
 * event to a local receiver. RSS (VmRSS of the whole process: every thread) is read from /proc every
 * 200 ms, from the moment /health answers (the baseline) until the drain is done and a short idle after.
 *
 *   npx tsx bench/backlog-memory.ts [N=200000] [--pairs 1] [--idle 15] [--receipt-delay-ms 100]
 *                                   [--variant 'label:ARG ARG…']…
 *
 * Each --variant is a gateway run as `npm start` runs it plus ARGs: `--flag` ones go to node, `KEY=VALUE`
 * ones to the environment (e.g. `--variant 'default:' --variant 'semi4:--max-semi-space-size=4'`).
 * Variants alternate (A, B, A, B …, --pairs rounds), each on a fresh copy of the same backlog, so the
 * throughput and CPU cost of a memory setting are seen beside its memory in one run. Without --variant:
 * one run as `npm start`.
 */
import { randomUUID } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { systemClock } from "../src/app/deps.js";
import { acceptMessages, prepareMessage } from "../src/app/send-message.js";
import { Priority } from "../src/core/message.js";
import { startSimulator } from "../src/delivery/simulator/index.js";
import { openStore } from "../src/store/open.js";
import { cpuSeconds, microsPerItem } from "./cpu.js";
import { freePort, setupAccount, sleep, startGatewayProcess, table, tempDir } from "./lib.js";
import { MEMORY_PROBE, type MemorySample } from "./memory.js";

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    pairs: { type: "string", default: "1" },
    idle: { type: "string", default: "15" },
    "receipt-delay-ms": { type: "string", default: "100" },
    variant: { type: "string", multiple: true, default: [] },
    timeout: { type: "string", default: "900" },
  },
});
const N = Number(positionals[0] ?? 200_000);
if (!Number.isInteger(N) || N < 1) throw new Error("N must be a positive integer");
const variants = (args.variant.length > 0 ? args.variant : ["npm start:"]).map((spec) => {
  const at = spec.indexOf(":");
  const label = at < 0 ? spec : spec.slice(0, at);
  const words =
    at < 0
      ? []
      : spec
          .slice(at + 1)
          .split(/\s+/)
          .filter(Boolean);
  const env = Object.fromEntries(words.filter((w) => !w.startsWith("-")).map((w) => w.split("=", 2)));
  return { label, nodeArgs: words.filter((w) => w.startsWith("-")), env: env as Record<string, string> };
});

// The network side: the SMSC and the customer's webhook endpoint, in this process.
const sim = await startSimulator({
  host: "127.0.0.1",
  port: 0,
  receiptDelayMs: Number(args["receipt-delay-ms"]),
  maxRecords: 10,
});
let finalWebhooks = 0;
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const code = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { data?: { dlr_code?: number } }).data
      ?.dlr_code;
    if (code === 1 || code === 8 || code === 16) finalWebhooks++;
    res.writeHead(204).end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
const hookUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;

// The backlog, written once; every run drains its own copy.
const dir = tempDir("backlog");
const backlogDb = join(dir, "backlog.db");
const enqueueStarted = Date.now();
await setupAccount(`sqlite:${backlogDb}`, N * 0.1 + 100, async (store, accountId) => {
  await store.webhooks.add(accountId, hookUrl, Date.now());
});
{
  const store = await openStore(`sqlite:${backlogDb}`);
  const deps = { store, clock: systemClock, pricing: { defaultPricePerPartMicros: 70_000 } };
  const account = (await store.accounts.list())[0];
  if (!account) throw new Error("no account");
  const template = await prepareMessage(deps, {
    account,
    keyId: null,
    text: "Spring sale: 20% off everything this weekend. Reply STOP to opt out.",
    senderId: "Starling",
    phone: "+491701000000",
    priority: Priority.BULK,
  });
  for (let start = 0; start < N; start += 1000) {
    const messages = Array.from({ length: Math.min(1000, N - start) }, (_, j) => ({
      ...template,
      uuid: randomUUID(),
      phone: `+49170${String(1_000_000 + start + j)}`,
      createdAt: Date.now(),
    }));
    await acceptMessages(deps, account.id, messages);
  }
  await store.close();
}
process.stderr.write(`backlog of ${N} written in ${((Date.now() - enqueueStarted) / 1000).toFixed(1)} s\n`);

/** VmRSS of a process (all threads), bytes. */
function rssOf(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Number(kb) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

interface RunResult {
  label: string;
  load: number;
  /** RSS of the same gateway idle, 5 s after /health, with delivery off. */
  idle: number;
  /** RSS when /health first answers, the backlog not yet touched. */
  baseline: number;
  peak: number;
  afterDrain: number;
  afterIdle: number;
  drainSeconds: number;
  cpuMicrosPerMessage: number;
  /** Main thread's V8 heap and the webhook thread's, at the probe sample nearest the RSS peak. */
  heapAtPeak: { mainTotal: number; mainUsed: number; workersTotal: number };
  /** GC pauses during the drain, every thread: milliseconds and full collections. */
  gc: { ms: number; major: number };
  complete: boolean;
}

async function run(variant: (typeof variants)[number], round: number): Promise<RunResult> {
  const runDir = join(dir, `run-${round}-${variant.label.replace(/\W+/g, "_")}`);
  mkdirSync(runDir);
  const dbFile = join(runDir, "starling.db");
  for (const suffix of ["", "-wal", "-shm"]) {
    if (existsSync(backlogDb + suffix)) copyFileSync(backlogDb + suffix, dbFile + suffix);
  }
  const probeFile = join(runDir, "memory.jsonl");
  const port = await freePort();
  const finalBefore = finalWebhooks;
  const load = loadavg()[0] ?? Number.NaN;
  const env = { ...variant.env, STARLING_MEMORY_PROBE: probeFile, STARLING_MEMORY_PROBE_MS: "500" };
  const config = (deliver: boolean) => ({
    server: { host: "127.0.0.1", port },
    database: { url: `sqlite:${dbFile}` },
    log: { level: "warn" },
    demo: { enabled: false },
    delivery: {
      enabled: deliver,
      simulator: { enabled: false },
      connectors: [
        {
          id: "smsc",
          host: "127.0.0.1",
          port: sim.port,
          systemId: "bench",
          password: "bench",
          throughputPerSecond: 1_000_000,
          window: 100,
        },
      ],
    },
  });
  const start = async (deliver: boolean) => {
    const saved = { ...process.env };
    Object.assign(process.env, env); // startGatewayProcess passes this process's environment on
    try {
      return await startGatewayProcess(runDir, config(deliver), [
        ...variant.nodeArgs,
        "--import",
        MEMORY_PROBE,
      ]);
    } finally {
      process.env = saved;
    }
  };
  // The same gateway with nothing to do (delivery off; webhook thread started): what it holds idle.
  const idleGateway = await start(false);
  await sleep(5000);
  const idle = rssOf(idleGateway.child.pid ?? 0);
  await idleGateway.stop();

  const gateway = await start(true);
  const pid = gateway.child.pid ?? 0;
  const baseline = rssOf(pid);
  const cpuAtStart = cpuSeconds(pid);
  const t0 = Date.now();
  const rss: { t: number; rss: number }[] = [{ t: t0, rss: baseline }];
  const sampler = setInterval(() => rss.push({ t: Date.now(), rss: rssOf(pid) }), 200);
  const deadline = t0 + Number(args.timeout) * 1000;
  let lastPrint = t0;
  while (finalWebhooks - finalBefore < N && Date.now() < deadline) {
    await sleep(100);
    if (Date.now() - lastPrint >= 10_000) {
      lastPrint = Date.now();
      const last = rss.at(-1)?.rss ?? 0;
      process.stderr.write(
        `  ${variant.label}: ${((lastPrint - t0) / 1000).toFixed(0)} s, final webhooks ${finalWebhooks - finalBefore}, ` +
          `rss ${(last / 2 ** 20).toFixed(0)} MB\n`,
      );
    }
  }
  const complete = finalWebhooks - finalBefore >= N;
  const drainedAt = Date.now();
  const cpu = cpuSeconds(pid) - cpuAtStart;
  const afterDrain = rssOf(pid);
  await sleep(Number(args.idle) * 1000);
  const afterIdle = rssOf(pid);
  clearInterval(sampler);
  await gateway.stop();

  const peakSample = rss.reduce((p, s) => (s.rss > p.rss ? s : p));
  const probe = readFileSync(probeFile, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as MemorySample);
  const nearest = (thread: boolean) =>
    probe.filter((s) => s.pid === pid && Boolean(s.thread) === thread && s.t <= peakSample.t + 500).at(-1);
  const main = nearest(false);
  const workers = probe.filter((s) => s.pid === pid && s.thread && s.t <= peakSample.t + 500);
  const lastPerThread = new Map(workers.map((s) => [s.thread, s.heapTotal]));
  // Per thread: its last sample before the drain began and its last one before it ended.
  const gc = { ms: 0, major: 0 };
  for (const thread of new Set(probe.filter((s) => s.pid === pid).map((s) => s.thread ?? 0))) {
    const own = probe.filter((s) => s.pid === pid && (s.thread ?? 0) === thread);
    const from = own.filter((s) => s.t <= t0).at(-1);
    const to = own.filter((s) => s.t <= drainedAt).at(-1);
    if (!to) continue;
    gc.ms += (to.gcMs ?? 0) - (from?.gcMs ?? 0);
    gc.major += (to.gcMajor ?? 0) - (from?.gcMajor ?? 0);
  }
  return {
    label: variant.label,
    load,
    idle,
    baseline,
    peak: peakSample.rss,
    afterDrain,
    afterIdle,
    drainSeconds: (drainedAt - t0) / 1000,
    cpuMicrosPerMessage: microsPerItem(cpu, N),
    heapAtPeak: {
      mainTotal: main?.heapTotal ?? Number.NaN,
      mainUsed: main?.heapUsed ?? Number.NaN,
      workersTotal: [...lastPerThread.values()].reduce((a, b) => a + b, 0),
    },
    gc,
    complete,
  };
}

const results: RunResult[] = [];
for (let round = 1; round <= Number(args.pairs); round++) {
  for (const variant of variants) {
    const result = await run(variant, round);
    results.push(result);
    process.stderr.write(`  ${JSON.stringify(result)}\n`);
  }
}
receiver.close();
await sim.close();

const mb = (n: number) => (n / 2 ** 20).toFixed(0);
process.stdout.write(
  `\n${N.toLocaleString("en-US")}-message backlog drained over SMPP with receipts and webhooks, durable SQLite; ` +
    `RSS = VmRSS of the gateway (all threads), sampled every 200 ms from /health on\n\n`,
);
process.stdout.write(
  `${table(
    [
      "run",
      "load",
      "RSS idle MB",
      "baseline (/health)",
      "peak",
      "growth",
      "after drain",
      `after ${args.idle} s idle`,
      "main heap total/used at peak",
      "worker heaps",
      "drain msg/s",
      "gateway CPU µs/msg",
      "GC pauses µs/msg",
      "full GCs",
    ],
    results.map((r) => [
      `${r.label}${r.complete ? "" : " (INCOMPLETE)"}`,
      r.load.toFixed(1),
      mb(r.idle),
      mb(r.baseline),
      mb(r.peak),
      mb(r.peak - r.baseline),
      mb(r.afterDrain),
      mb(r.afterIdle),
      `${mb(r.heapAtPeak.mainTotal)} / ${mb(r.heapAtPeak.mainUsed)}`,
      mb(r.heapAtPeak.workersTotal),
      (N / r.drainSeconds).toFixed(0),
      r.cpuMicrosPerMessage.toFixed(0),
      ((r.gc.ms * 1000) / N).toFixed(0),
      r.gc.major,
    ]),
  )}\n`,
);
const worst = Math.max(...results.map((r) => r.peak - r.baseline));
process.stdout.write(
  `\ntarget (issue 12.5): growth ≤ 100 MB — worst run ${mb(worst)} MB: ${worst <= 100 * 2 ** 20 ? "met" : "NOT met"}\n`,
);
process.exit(results.every((r) => r.complete) ? 0 : 1);
