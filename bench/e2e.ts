/**
 * End to end: N messages through POST /sms → dispatcher → SMPP → SMSC simulator → receipts → webhook
 * receiver, on durable SQLite. Prints accepted/s, submitted/s, receipted/s (final dlr) and webhooks/s, and
 * p50/p99 latency from acceptance (created_at) to the SMSC's submit, to the final receipt and to the final
 * webhook. Issue 3's target: 5,000 messages per second end to end on these 2-core machines.
 *
 *   npx tsx bench/e2e.ts [N=20000] [--connections 100] [--receipt-delay-ms 100] [--split] [--profile]
 *
 * Processes: the gateway runs as `npm start` does (child process); autocannon sends from another child;
 * this process plays the network side (SMSC simulator and webhook receiver), which a real deployment would
 * not pay for. --split measures the stages apart: first acceptance alone (delivery off), then a restarted
 * gateway draining the stored queue with no HTTP load. --profile runs the gateway under `node --cpu-prof`
 * and prints where its CPU time went.
 */
import { createServer } from "node:http";
import { join } from "node:path";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { startSimulator } from "../src/delivery/simulator/index.js";
import {
  autocannon,
  formatNumber,
  freePort,
  type GatewayChild,
  type LoadResult,
  percentile,
  setupAccount,
  sleep,
  startGatewayProcess,
  summariseCpuProfile,
  table,
  tempDir,
} from "./lib.js";
import { cpuSeconds, microsPerItem } from "./cpu.js";
import { MEMORY_PROBE, memoryReport } from "./memory.js";

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    connections: { type: "string", default: "100" },
    "receipt-delay-ms": { type: "string", default: "100" },
    split: { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    /** Give up waiting for the pipeline to drain after this many seconds. */
    timeout: { type: "string", default: "300" },
    /** Seconds to leave the drained gateway idle before its "after" RSS is read. */
    idle: { type: "string", default: "20" },
  },
});
const N = Number(positionals[0] ?? 20_000);
if (!Number.isInteger(N) || N < 1) throw new Error("N must be a positive integer");
const connections = Number(args.connections);
const receiptDelayMs = Number(args["receipt-delay-ms"]);
const timeoutMs = Number(args.timeout) * 1000;
const MARKER = /e2e (\S+)/;

// The network side: the SMSC and the customer's webhook endpoint.
const sim = await startSimulator({ host: "127.0.0.1", port: 0, receiptDelayMs, maxRecords: 10 });
const submittedAt = new Map<string, number>();
sim.on("submit", (record) => {
  const marker = MARKER.exec(record.text)?.[1];
  if (marker && !submittedAt.has(marker)) submittedAt.set(marker, record.receivedAt);
});
let webhookEvents = 0;
let lastWebhookAt = 0;
const finalWebhookAt = new Map<string, number>();
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const now = Date.now();
    webhookEvents++;
    lastWebhookAt = now;
    try {
      const event = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        data?: { id?: string; dlr_code?: number };
      };
      if (
        event.data?.id &&
        (event.data.dlr_code === 1 || event.data.dlr_code === 8 || event.data.dlr_code === 16)
      ) {
        finalWebhookAt.set(event.data.id, now);
      }
    } catch {
      // counted; a malformed body would show up as missing final webhooks
    }
    res.writeHead(204).end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
const hookUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;

const dir = tempDir("e2e");
const dbFile = join(dir, "starling.db");
const databaseUrl = `sqlite:${dbFile}`;
const { token } = await setupAccount(databaseUrl, N, async (store, accountId) => {
  await store.webhooks.add(accountId, hookUrl, Date.now());
});
const port = await freePort();
const profileDir = join(dir, "profile");
const config = (deliver: boolean) => ({
  server: { host: "127.0.0.1", port },
  database: { url: databaseUrl },
  log: { level: "warn" },
  demo: { enabled: false },
  webhooks: { enabled: deliver },
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
        // The config default (1,000/s) would cap the benchmark; the window is the SMSC's to limit here.
        throughputPerSecond: 1_000_000,
        window: 100,
      },
    ],
  },
});
const memoryFile = join(dir, "memory.jsonl");
process.env.STARLING_MEMORY_PROBE = memoryFile;
const probeArgs = ["--import", MEMORY_PROBE];
const nodeArgs = [...probeArgs, ...(args.profile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [])];

const load = (): Promise<LoadResult> =>
  autocannon({
    url: `http://127.0.0.1:${port}/sms`,
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", "x-lox24-auth-token": token },
    body: JSON.stringify({ sender_id: "Starling", phone: "+4915112345678", text: "e2e [<id>]" }),
    idReplacement: true,
    amount: N,
    connections,
  });

/** Waits until every message has its final webhook (or the timeout), printing progress now and then. */
async function drain(t0: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let lastPrint = 0;
  while (Date.now() < deadline) {
    if (finalWebhookAt.size >= N) return true;
    if (Date.now() - lastPrint >= 2000) {
      lastPrint = Date.now();
      process.stderr.write(
        `  ${((Date.now() - t0) / 1000).toFixed(1)} s: submitted ${submittedAt.size}, receipts sent ${sim.stats.receiptsSent}, ` +
          `webhooks ${webhookEvents} (${finalWebhookAt.size} final)\n`,
      );
    }
    await sleep(100);
  }
  return false;
}

/** CPU seconds each process spent on a stage (see cpu.ts): what a message costs, whoever was the limit. */
interface StageCpu {
  stage: string;
  gateway: number;
  autocannon: number;
  /** This process: the SMSC simulator and the webhook receiver. */
  network: number;
}
const cpu: StageCpu[] = [];
const selfCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

let accepted: LoadResult;
let t0: number;
let stageStart: { gateway: number; self: number };
let gateway: GatewayChild;
let loadMs: number;
if (args.split) {
  // Stage 1: acceptance only.
  gateway = await startGatewayProcess(dir, config(false), probeArgs);
  const before = { gateway: cpuSeconds(gateway.child.pid ?? 0), self: selfCpu() };
  t0 = Date.now();
  accepted = await load();
  loadMs = Date.now() - t0;
  cpu.push({
    stage: "acceptance (--split)",
    gateway: cpuSeconds(gateway.child.pid ?? 0) - before.gateway,
    autocannon: accepted.loadCpuSeconds,
    network: selfCpu() - before.self,
  });
  await gateway.stop();
  // Stage 2: a fresh gateway drains the stored queue; the clock restarts when it answers /health.
  gateway = await startGatewayProcess(dir, config(true), nodeArgs);
  stageStart = { gateway: cpuSeconds(gateway.child.pid ?? 0), self: selfCpu() };
  t0 = Date.now();
} else {
  gateway = await startGatewayProcess(dir, config(true), nodeArgs);
  stageStart = { gateway: cpuSeconds(gateway.child.pid ?? 0), self: selfCpu() };
  t0 = Date.now();
  accepted = await load();
  loadMs = Date.now() - t0;
}
const complete = await drain(t0);
await sleep(200); // late webhooks of the last messages
const drainedAt = Date.now();
await sleep(Number(args.idle) * 1000); // idle: what the gateway gives back once the work is done
cpu.push({
  stage: args.split ? "delivery (--split)" : "end to end",
  gateway: cpuSeconds(gateway.child.pid ?? 0) - stageStart.gateway,
  autocannon: args.split ? 0 : accepted.loadCpuSeconds,
  network: selfCpu() - stageStart.self,
});
await gateway.stop();
await new Promise<void>((resolve) => receiver.close(() => resolve()));
await sim.close();

// What the store says: when each message was accepted and when it became final.
const db = new Database(dbFile, { readonly: true });
const rows = db.prepare("SELECT uuid, text, created_at, updated_at, dlr_code FROM messages").all() as {
  uuid: string;
  text: string | null;
  created_at: number;
  updated_at: number;
  dlr_code: number;
}[];
db.close();

const isFinal = (r: { dlr_code: number }) => r.dlr_code === 1 || r.dlr_code === 8 || r.dlr_code === 16;
const final = rows.filter(isFinal);
const max = (values: Iterable<number>) => {
  let m = Number.NEGATIVE_INFINITY;
  for (const v of values) if (v > m) m = v;
  return m;
};
const delivered = rows.filter((r) => r.dlr_code === 1).length;
const createdFirst = -max(rows.map((r) => -r.created_at));
const createdLast = max(rows.map((r) => r.created_at));
const submitTimes = [...submittedAt.values()];
const toSubmit: number[] = [];
const toFinal: number[] = [];
const toWebhook: number[] = [];
for (const r of rows) {
  const marker = MARKER.exec(r.text ?? "")?.[1];
  const submitted = marker ? submittedAt.get(marker) : undefined;
  if (submitted !== undefined) toSubmit.push(submitted - r.created_at);
  if (isFinal(r)) toFinal.push(r.updated_at - r.created_at);
  const hook = finalWebhookAt.get(r.uuid);
  if (hook !== undefined) toWebhook.push(hook - r.created_at);
}

const start = args.split ? t0 : createdFirst;
const seconds = (at: number) => (at - start) / 1000;
const acceptSeconds = args.split ? loadMs / 1000 : seconds(createdLast);
const submitSeconds = seconds(max(submitTimes));
const finalSeconds = seconds(max(final.map((r) => r.updated_at)));
const hookSeconds = seconds(max(finalWebhookAt.values()));
const rate = (count: number, s: number) => (s > 0 ? count / s : Number.NaN);

process.stdout.write(
  `\n${N.toLocaleString("en-US")} messages, ${connections} HTTP connections, receipt delay ${receiptDelayMs} ms, durable SQLite` +
    `${args.split ? " — split: acceptance alone, then delivery alone (its clock starts at the restart)" : ""}\n` +
    `POST /sms: ${accepted.ok2xx} × 201, ${accepted.non2xx} other, ${accepted.errors} errors; p50 ${accepted.p50} ms, p99 ${accepted.p99} ms\n\n`,
);
process.stdout.write(
  `${table(
    ["stage", "count", "done after s", "msg/s"],
    [
      ["accepted (201, stored)", rows.length, acceptSeconds, rate(rows.length, acceptSeconds)],
      ["submitted (at the SMSC)", submittedAt.size, submitSeconds, rate(submittedAt.size, submitSeconds)],
      ["receipted (final dlr)", final.length, finalSeconds, rate(final.length, finalSeconds)],
      ["final webhooks received", finalWebhookAt.size, hookSeconds, rate(finalWebhookAt.size, hookSeconds)],
      [
        "all webhook events",
        webhookEvents,
        seconds(lastWebhookAt),
        rate(webhookEvents, seconds(lastWebhookAt)),
      ],
    ],
  )}\n\n`,
);
process.stdout.write(
  `${table(
    ["latency from acceptance (created_at)", "p50 ms", "p99 ms", "max ms"],
    [
      [
        "→ submit_sm at the SMSC",
        percentile(toSubmit, 50),
        percentile(toSubmit, 99),
        percentile(toSubmit, 100),
      ],
      ["→ final receipt stored", percentile(toFinal, 50), percentile(toFinal, 99), percentile(toFinal, 100)],
      [
        "→ final webhook received",
        percentile(toWebhook, 50),
        percentile(toWebhook, 99),
        percentile(toWebhook, 100),
      ],
    ],
  )}\n`,
);
const endToEnd = rate(final.length, finalSeconds);
process.stdout.write(
  `\nend to end (accepted → final receipt): ${formatNumber(endToEnd)} msg/s; with webhooks: ` +
    `${formatNumber(rate(finalWebhookAt.size, hookSeconds))} msg/s (target 5,000: ${endToEnd >= 5000 ? "met" : "NOT met"})` +
    `; delivered ${delivered} of ${rows.length}\n`,
);
{
  // Two cores' worth of CPU per second is the most any split of the work could use.
  const cores = availableParallelism();
  const perMessage = (s: number) => microsPerItem(s, N);
  const rowsCpu = cpu.map((c) => {
    const total = c.gateway + c.autocannon + c.network;
    return [
      c.stage,
      perMessage(c.gateway),
      perMessage(c.autocannon),
      perMessage(c.network),
      perMessage(total),
      (cores * 1e6) / perMessage(total),
    ];
  });
  process.stdout.write(
    `\n${table(
      ["CPU per message, µs", "gateway", "autocannon", "simulator + receiver", "all", `ceiling msg/s on ${cores} cores`],
      rowsCpu,
    )}\n` +
      "(ceiling: the rate at which these processes together would use every core — no overlap can beat it)\n",
  );
}
process.stdout.write(`\n${memoryReport(memoryFile, gateway.child.pid ?? 0, { drainedAt, t0 })}\n`);
if (!complete) {
  process.stdout.write(`warning: not everything finished within ${args.timeout} s\n`);
  process.exitCode = 1;
}
if (args.profile) process.stdout.write(`\n${summariseCpuProfile(profileDir)}\n`);
process.exit();
