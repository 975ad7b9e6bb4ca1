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
 *
 * `--baseline DIR` adds a third peer, "Starling base": the gateway of another checkout (with node_modules,
 * e.g. `git archive <commit> | tar -x -C DIR` and a link to this node_modules), in the same rotation
 * (K, S, B, K, S, B …), so that a change's before and after are measured side by side with Kannel.
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
  /** Another checkout whose gateway runs alongside as "Starling base". */
  baseline?: string;
}

type Peer = "Kannel" | "Starling" | "Starling base";
type Load = Omit<LoadOptions, "connections" | "amount">;
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

const loadAverage = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

/** An API-node gateway (durable SQLite, nothing delivered) of the checkout `cwd`, with its own store. */
async function startStarling(total: number, cwd?: string) {
  const dir = tempDir("kannel-accept");
  const dbFile = join(dir, "starling.db");
  const databaseUrl = `sqlite:${dbFile}`;
  const { token } = await setupAccount(databaseUrl, total);
  const port = await freePort();
  const gateway = await startGatewayProcess(
    dir,
    {
      server: { host: "127.0.0.1", port },
      database: { url: databaseUrl },
      log: { level: "warn" },
      demo: { enabled: false },
      webhooks: { enabled: false },
      delivery: { enabled: false, simulator: { enabled: false } },
    },
    [],
    cwd,
  );
  const db = new Database(dbFile, { readonly: true });
  const count = db.prepare("SELECT count(*) AS n FROM messages");
  const load: Load = {
    url: `http://127.0.0.1:${port}/sms`,
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", "x-lox24-auth-token": token },
    body: JSON.stringify({ sender_id: "Starling", phone: PHONE, text: "bench [<id>]" }),
    idReplacement: true,
  };
  return {
    load,
    pids: { gateway: gateway.child.pid ?? 0 } as Record<string, number>,
    stored: async () => (count.get() as { n: number }).n,
    stop: async () => {
      db.close();
      await gateway.stop();
    },
  };
}

export async function runAcceptOnly(o: AcceptOnlyOptions): Promise<void> {
  const total = o.warmup + o.messages * o.pairs + 10;
  // Nothing listens on this port: bearerbox queues what smsbox hands it and keeps trying to bind.
  const kannel = await startKannel({
    smscPort: await freePort(),
    systemId: "kannel",
    window: 100,
    waitForBind: false,
  });
  const kannelPeer = {
    load: {
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
    } as Load,
    pids: kannel.pids as Record<string, number>,
    stored: async () => Number(/store size (\d+)/.exec(await kannel.status())?.[1] ?? Number.NaN),
    stop: () => kannel.stop(),
  };
  const all = new Map<Peer, typeof kannelPeer>([
    ["Kannel", kannelPeer],
    ["Starling", await startStarling(total)],
  ]);
  if (o.baseline) all.set("Starling base", await startStarling(total, o.baseline));
  const peers = [...all.keys()];
  const peer = (name: Peer) => all.get(name)!;
  const cpuOf = (name: Peer) =>
    Object.fromEntries(Object.entries(peer(name).pids).map(([process, pid]) => [process, cpuSeconds(pid)]));

  // Each peer's answer to one message, and that it stored it.
  const probe = async (name: Peer) => {
    const expected =
      name === "Kannel"
        ? { status: 202, body: /^3: Queued for later delivery/ }
        : { status: 201, body: /"uuid"/ };
    const { load, stored } = peer(name);
    const before = await stored();
    const res = await fetch(load.url, {
      method: "POST",
      headers: load.headers,
      body: load.body?.replace("[<id>]", "probe"),
    });
    const body = await res.text();
    await sleep(200);
    const after = await stored();
    if (res.status !== expected.status || !expected.body.test(body) || after !== before + 1) {
      throw new Error(
        `${name} did not accept and store a message: ${res.status} ${body} (stored ${before} → ${after})`,
      );
    }
    return `${name} ${res.status} ${body.trim().slice(0, 40)}`;
  };
  const answers: string[] = [];
  for (const name of peers) answers.push(await probe(name));

  // Idle cost: what each peer's processes use with no load (timers, reconnect attempts), µs per second.
  const idle: string[] = [];
  for (const name of peers) {
    const before = cpuOf(name);
    await sleep(2000);
    const after = cpuOf(name);
    const micros = (Object.keys(before).reduce((s, k) => s + after[k]! - before[k]!, 0) * 1e6) / 2;
    idle.push(`${name} ${formatNumber(micros)} µs/s`);
  }

  const measure = async (name: Peer, messages: number): Promise<RunResult> => {
    const storedBefore = await peer(name).stored();
    const before = cpuOf(name);
    const result = await autocannon({ ...peer(name).load, connections: o.connections, amount: messages });
    await sleep(SETTLE_MS); // Kannel's store file is written behind: count what follows the answers too
    const after = cpuOf(name);
    const used = Object.keys(before).map((process) => [process, after[process]! - before[process]!] as const);
    const storedCount = (await peer(name).stored()) - storedBefore;
    return {
      peer: name,
      accepted: result.requestsPerSecond,
      p50: result.p50,
      p99: result.p99,
      cpu: microsPerItem(
        used.reduce((sum, [, s]) => sum + s, 0),
        result.ok2xx,
      ),
      perProcess: used
        .map(([process, s]) => `${process} ${formatNumber(microsPerItem(s, result.ok2xx))}`)
        .join(", "),
      loadCpu: microsPerItem(result.loadCpuSeconds, messages),
      load1: loadavg()[0]!,
      stored: storedCount,
      complete: result.ok2xx === messages && storedCount === messages,
    };
  };

  const loadBefore = loadAverage();
  if (o.warmup > 0) for (const name of peers) await measure(name, o.warmup);
  const results: RunResult[] = [];
  for (let round = 1; round <= o.pairs; round++) {
    for (const name of peers) {
      process.stderr.write(`round ${round}: ${name} …\n`);
      results.push(await measure(name, o.messages));
    }
  }
  const loadAfter = loadAverage();
  for (const name of peers) await peer(name).stop();

  const out = (s: string) => process.stdout.write(s);
  out(
    `\nAcceptance only: ${o.messages.toLocaleString("en-US")} messages per run, ${o.connections} connections, ` +
      `nothing delivered; load average (1/5/15 min) before ${loadBefore}, after ${loadAfter}\n` +
      `answers: ${answers.join("; ")}\nidle CPU: ${idle.join(", ")}\n\n`,
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
        `${Math.floor(i / peers.length) + 1} ${r.peer}${r.complete ? "" : " (incomplete)"}`,
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
  const median = (name: Peer, key: (typeof FIGURES)[number]) =>
    percentile(
      results.filter((r) => r.peer === name).map((r) => r[key]),
      50,
    );
  const others = peers.slice(1);
  out(
    `${table(
      ["median", "accepted/s", "p50 ms", "p99 ms", "CPU µs/accepted"],
      [
        ...peers.map((name) => [name, ...FIGURES.map((f) => median(name, f))]),
        ...others.map((name) => [
          `${name} / Kannel`,
          ...FIGURES.map((f) => median(name, f) / median("Kannel", f)),
        ]),
      ],
    )}\n`,
  );
  for (const name of others) {
    const perRound = Array.from({ length: o.pairs }, (_, i) => {
      const round = results.slice(i * peers.length, (i + 1) * peers.length);
      return formatNumber(
        round.find((r) => r.peer === name)!.cpu / round.find((r) => r.peer === "Kannel")!.cpu,
      );
    }).join(", ");
    out(`per round, ${name} / Kannel CPU per accepted message: ${perRound}\n`);
  }
  if (results.some((r) => !r.complete)) process.exitCode = 1;
}
