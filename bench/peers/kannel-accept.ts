/**
 * Acceptance only, Starling against Kannel (issue 12, target 3: CPU per accepted message ≤ Kannel's). Each
 * gateway accepts N messages into its own durable store and delivers none, in alternating runs K, S, K, S …:
 *
 * - Starling as an API node: `npm start` on durable SQLite with `delivery.enabled: false` (and webhooks
 *   off), POST /sms (LOX24): 201 once the message and its queue row are committed and fsynced.
 * - Kannel: bearerbox + smsbox with its SMSC on a loopback port where nothing listens (bearerbox keeps
 *   reconnecting), POST /cgi-bin/sendsms: 202 "3: Queued for later delivery", the message kept in
 *   bearerbox's queue and its store file (status.txt's "store size" grows by one per message).
 *
 * Per run: accepted/s, p50/p99, CPU µs per accepted message per process (/proc, all threads, from the start
 * of the load to 500 ms after its end) and the load average; then medians and the Starling/Kannel ratios.
 * Before the runs, both peers' idle CPU (µs per second) is measured, and each peer's answer and storage
 * are checked (a wrong answer or a message not stored fails the bench).
 */
import Database from "better-sqlite3";
import { loadavg } from "node:os";
import { join } from "node:path";
import { cpuSeconds, microsPerItem } from "../cpu.js";
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
import { startKannel } from "./kannel-process.js";

export interface AcceptOnlyOptions {
  messages: number;
  pairs: number;
  connections: number;
  warmup: number;
}

type Peer = "Kannel" | "Starling";
const SETTLE_MS = 500;
const PHONE = "+4915112345678";

interface RunResult {
  peer: Peer;
  accepted: number;
  p50: number;
  p99: number;
  cpu: number;
  perProcess: string;
  loadCpu: number;
  load1: number;
  stored: number;
  complete: boolean;
}

export async function runAcceptOnly(o: AcceptOnlyOptions): Promise<void> {
  const dir = tempDir("kannel-accept");
  const dbFile = join(dir, "starling.db");
  const databaseUrl = `sqlite:${dbFile}`;
  const total = o.warmup + o.messages * o.pairs + 10;
  const { token } = await setupAccount(databaseUrl, total);
  const port = await freePort();
  const starling = await startGatewayProcess(dir, {
    server: { host: "127.0.0.1", port },
    database: { url: databaseUrl },
    log: { level: "warn" },
    demo: { enabled: false },
    webhooks: { enabled: false },
    delivery: { enabled: false, simulator: { enabled: false } },
  });
  // Nothing listens on this port: bearerbox queues what smsbox hands it and keeps trying to bind.
  const kannel = await startKannel({
    smscPort: await freePort(),
    systemId: "kannel",
    window: 100,
    waitForBind: false,
  });
  const storeSize = async () => Number(/store size (\d+)/.exec(await kannel.status())?.[1] ?? Number.NaN);
  const db = new Database(dbFile, { readonly: true });
  const messageRows = () => (db.prepare("SELECT count(*) AS n FROM messages").get() as { n: number }).n;
  const stored: Record<Peer, () => Promise<number>> = {
    Kannel: storeSize,
    Starling: async () => messageRows(),
  };

  const loads: Record<Peer, Omit<LoadOptions, "connections" | "amount">> = {
    Kannel: {
      url: kannel.sendsmsUrl,
      method: "POST",
      headers: {
        "content-type": "text/plain",
        "x-kannel-username": "bench",
        "x-kannel-password": "bench",
        "x-kannel-from": "Starling",
        "x-kannel-to": PHONE,
      },
      // autocannon's argument parser (subarg) would read a body ending in "]" as a sub-argument list
      body: "bench [<id>] via Kannel",
      idReplacement: true,
    },
    Starling: {
      url: `http://127.0.0.1:${port}/sms`,
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        "x-lox24-auth-token": token,
      },
      body: JSON.stringify({ sender_id: "Starling", phone: PHONE, text: "bench [<id>]" }),
      idReplacement: true,
    },
  };
  const pidsOf: Record<Peer, Record<string, number>> = {
    Kannel: kannel.pids,
    Starling: { gateway: starling.child.pid ?? 0 },
  };
  const cpuOf = (peer: Peer) =>
    Object.fromEntries(Object.entries(pidsOf[peer]).map(([name, pid]) => [name, cpuSeconds(pid)]));

  // Each peer's answer to one message, and that it stored it.
  const probe = async (peer: Peer, expected: { status: number; body: RegExp }) => {
    const before = await stored[peer]();
    const load = loads[peer];
    const res = await fetch(load.url, {
      method: "POST",
      headers: load.headers,
      body: load.body?.replace("[<id>]", "probe"),
    });
    const body = await res.text();
    await sleep(200);
    const after = await stored[peer]();
    if (res.status !== expected.status || !expected.body.test(body) || after !== before + 1) {
      throw new Error(
        `${peer} did not accept and store a message: ${res.status} ${body} (stored ${before} → ${after})`,
      );
    }
    return `${res.status} ${body.trim().slice(0, 60)}`;
  };
  const answers = {
    Kannel: await probe("Kannel", { status: 202, body: /^3: Queued for later delivery/ }),
    Starling: await probe("Starling", { status: 201, body: /"uuid"/ }),
  };

  // Idle cost: what each peer's processes use with no load (timers, reconnect attempts), µs per second.
  const idle: Record<Peer, number> = { Kannel: 0, Starling: 0 };
  for (const peer of ["Kannel", "Starling"] as const) {
    const before = cpuOf(peer);
    await sleep(2000);
    const after = cpuOf(peer);
    idle[peer] = (Object.keys(before).reduce((s, k) => s + after[k]! - before[k]!, 0) * 1e6) / 2;
  }

  const measure = async (peer: Peer, messages: number): Promise<RunResult> => {
    const storedBefore = await stored[peer]();
    const before = cpuOf(peer);
    const result = await autocannon({ ...loads[peer], connections: o.connections, amount: messages });
    await sleep(SETTLE_MS); // Kannel's store file is written behind: count what follows the answers too
    const after = cpuOf(peer);
    const used = Object.keys(before).map((name) => [name, after[name]! - before[name]!] as const);
    const storedCount = (await stored[peer]()) - storedBefore;
    return {
      peer,
      accepted: result.requestsPerSecond,
      p50: result.p50,
      p99: result.p99,
      cpu: microsPerItem(
        used.reduce((sum, [, s]) => sum + s, 0),
        result.ok2xx,
      ),
      perProcess: used
        .map(([name, s]) => `${name} ${formatNumber(microsPerItem(s, result.ok2xx))}`)
        .join(", "),
      loadCpu: microsPerItem(result.loadCpuSeconds, messages),
      load1: loadavg()[0]!,
      stored: storedCount,
      complete: result.ok2xx === messages && storedCount === messages,
    };
  };

  const loadBefore = loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
  if (o.warmup > 0) for (const peer of ["Kannel", "Starling"] as const) await measure(peer, o.warmup);
  const results: RunResult[] = [];
  for (let pair = 1; pair <= o.pairs; pair++) {
    for (const peer of ["Kannel", "Starling"] as const) {
      process.stderr.write(`pair ${pair}: ${peer} …\n`);
      results.push(await measure(peer, o.messages));
    }
  }
  const loadAfter = loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
  db.close();
  await starling.stop();
  await kannel.stop();

  const out = (s: string) => process.stdout.write(s);
  out(
    `\nAcceptance only: ${o.messages.toLocaleString("en-US")} messages per run, ${o.connections} connections, ` +
      `nothing delivered; load average (1/5/15 min) before ${loadBefore}, after ${loadAfter}\n` +
      `answers: Kannel ${answers.Kannel}; Starling ${answers.Starling}\n` +
      `idle CPU: Kannel ${formatNumber(idle.Kannel)} µs/s, Starling ${formatNumber(idle.Starling)} µs/s\n\n`,
  );
  out(
    `${table(
      [
        "run",
        "accepted/s",
        "p50 ms",
        "p99 ms",
        "CPU µs/accepted",
        "per process",
        "stored",
        "autocannon",
        "load 1m",
      ],
      results.map((r, i) => [
        `${Math.floor(i / 2) + 1} ${r.peer}${r.complete ? "" : " (incomplete)"}`,
        r.accepted,
        r.p50,
        r.p99,
        r.cpu,
        r.perProcess,
        r.stored,
        r.loadCpu,
        r.load1,
      ]),
    )}\n\n`,
  );
  const FIGURES = ["accepted", "p50", "p99", "cpu"] as const;
  const median = (peer: Peer, key: (typeof FIGURES)[number]) =>
    percentile(
      results.filter((r) => r.peer === peer).map((r) => r[key]),
      50,
    );
  out(
    `${table(
      ["median", "accepted/s", "p50 ms", "p99 ms", "CPU µs/accepted"],
      [
        ["Kannel", ...FIGURES.map((f) => median("Kannel", f))],
        ["Starling", ...FIGURES.map((f) => median("Starling", f))],
        ["Starling / Kannel", ...FIGURES.map((f) => median("Starling", f) / median("Kannel", f))],
      ],
    )}\n`,
  );
  const perPair = Array.from({ length: o.pairs }, (_, i) =>
    formatNumber(results[2 * i + 1]!.cpu / results[2 * i]!.cpu),
  ).join(", ");
  out(`per pair, Starling / Kannel CPU per accepted message: ${perPair}\n`);
  if (results.some((r) => !r.complete)) process.exitCode = 1;
}
