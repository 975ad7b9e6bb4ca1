/**
 * submit_sm → submit_sm_resp over one SMPP bind (window 100) against POST /sms of the same gateway, in the
 * same run: messages/s, p50/p99 latency and µs of gateway CPU per message. The gateway runs as `npm start`
 * does (own process, durable SQLite), with delivery off so both measure acceptance only; autocannon drives
 * POST /sms from another process, and this process is the ESME (the `smpp` library's client session).
 *
 *   npx tsx bench/smpp.ts [--duration 5] [--window 100] [--connections 50] [--rounds 1]
 *
 * Each round runs submit_sm without and with registered_delivery (a receipt request is one more stored row
 * per message), then POST /sms.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { systemClock } from "../src/app/deps.js";
import { connectSession, createPdu, type LibSession, type Pdu } from "../src/delivery/smpp/lib.js";
import { issueSmppLogin } from "../src/smpp-server/credentials.js";
import { cpuSeconds, microsPerItem } from "./cpu.js";
import {
  autocannon,
  freePort,
  percentile,
  setupAccount,
  startGatewayProcess,
  table,
  tempDir,
} from "./lib.js";

const { values: args } = parseArgs({
  options: {
    duration: { type: "string", default: "5" },
    window: { type: "string", default: "100" },
    connections: { type: "string", default: "50" },
    rounds: { type: "string", default: "1" },
  },
});
const duration = Number(args.duration);
const window = Number(args.window);
const rounds = Number(args.rounds);

const dir = tempDir("smpp");
const databaseUrl = `sqlite:${join(dir, "starling.db")}`;
let login = { systemId: "", password: "" };
const { token } = await setupAccount(databaseUrl, 100_000_000, async (store, accountId) => {
  const key = (await store.keys.list(accountId))[0]!;
  login = await issueSmppLogin(
    { store, clock: systemClock, pricing: { defaultPricePerPartMicros: 70_000 } },
    key.id,
  );
});
const [port, smppPort] = [await freePort(), await freePort()];
const gateway = await startGatewayProcess(dir, {
  server: { host: "127.0.0.1", port },
  database: { url: databaseUrl },
  log: { level: "warn" },
  demo: { enabled: false },
  delivery: { enabled: false, simulator: { enabled: false } },
  webhooks: { enabled: false },
  smppServer: { enabled: true, port: smppPort, window, throughputPerSecond: 0 },
});
const gatewayPid = gateway.child.pid ?? 0;

function request(lib: LibSession, command: string, fields: Record<string, unknown>): Promise<Pdu> {
  return new Promise((resolve) => lib.send(createPdu(command, fields), resolve));
}

/** Keeps `window` submit_sm outstanding for `seconds`; counts answers and their latency. */
async function smppRun(seconds: number, registeredDelivery = 0) {
  const lib = connectSession({ host: "127.0.0.1", port: smppPort });
  await new Promise((resolve) => lib.once("connect", resolve));
  const bind = await request(lib, "bind_transmitter", {
    system_id: login.systemId,
    password: login.password,
  });
  if (bind.command_status !== 0) throw new Error(`bind refused: ${bind.command_status}`);
  const latencies: number[] = [];
  let ok = 0;
  let refused = 0;
  let sent = 0;
  const body = Buffer.from("Benchmark message from Starling", "latin1");
  const cpuBefore = cpuSeconds(gatewayPid);
  const started = performance.now();
  const end = started + seconds * 1000;
  await new Promise<void>((resolve) => {
    let inFlight = 0;
    const next = () => {
      while (inFlight < window && performance.now() < end) {
        inFlight++;
        sent++;
        const at = performance.now();
        lib.send(
          createPdu("submit_sm", {
            source_addr_ton: 5,
            source_addr: "Starling",
            dest_addr_ton: 1,
            dest_addr_npi: 1,
            destination_addr: "4915112345678",
            short_message: body,
            registered_delivery: registeredDelivery,
          }),
          (resp: Pdu) => {
            inFlight--;
            latencies.push(performance.now() - at);
            if (resp.command_status === 0) ok++;
            else refused++;
            if (performance.now() < end) next();
            else if (inFlight === 0) resolve();
          },
        );
      }
    };
    next();
  });
  const elapsed = (performance.now() - started) / 1000;
  const gatewayCpu = cpuSeconds(gatewayPid) - cpuBefore;
  await request(lib, "unbind", {});
  lib.destroy();
  return {
    rate: ok / elapsed,
    ok,
    refused,
    sent,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    gatewayCpu,
  };
}

const load = () =>
  execFileSync("uptime", { encoding: "utf8" })
    .trim()
    .replace(/.*load average/, "load average");

try {
  process.stdout.write(
    `gateway ${gateway.url}, SMPP port ${smppPort}, durable SQLite, ${duration} s per run\n`,
  );
  process.stdout.write(`before: ${load()}\n`);
  const rows: (string | number)[][] = [];
  const ratios: number[] = [];
  await smppRun(1); // warm-up
  await autocannon({ url: `${gateway.url}/health`, connections: 10, duration: 1 });
  for (let round = 1; round <= rounds; round++) {
    for (const rd of [0, 1]) {
      const smpp = await smppRun(duration, rd);
      rows.push([
        `submit_sm, 1 bind, window ${window}${rd ? ", receipts" : ""}`,
        smpp.rate,
        smpp.p50,
        smpp.p99,
        smpp.ok,
        smpp.refused,
        microsPerItem(smpp.gatewayCpu, smpp.ok + smpp.refused),
      ]);
      if (rd === 0) ratios.push(smpp.rate);
    }
    const before = cpuSeconds(gatewayPid);
    const http = await autocannon({
      url: `${gateway.url}/sms`,
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        "x-lox24-auth-token": token,
      },
      body: JSON.stringify({
        sender_id: "Starling",
        phone: "+4915112345678",
        text: "Benchmark message from Starling",
      }),
      connections: Number(args.connections),
      duration,
    });
    const httpCpu = cpuSeconds(gatewayPid) - before;
    rows.push([
      `POST /sms, ${args.connections} connections`,
      http.requestsPerSecond,
      http.p50,
      http.p99,
      http.ok2xx,
      http.non2xx + http.errors,
      microsPerItem(httpCpu, http.total),
    ]);
    ratios[ratios.length - 1]! /= http.requestsPerSecond;
  }
  process.stdout.write(
    `\n${table(["path", "msg/s", "p50 ms", "p99 ms", "accepted", "refused", "gateway CPU µs/msg"], rows)}\n`,
  );
  process.stdout.write(
    `\nsubmit_sm / POST /sms throughput: ${ratios.map((r) => `${(r * 100).toFixed(0)}%`).join(", ")}\n`,
  );
  process.stdout.write(`after: ${load()}\n`);
} finally {
  await gateway.stop();
}
