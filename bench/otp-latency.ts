/**
 * OTP latency under load: time from POST /otp/create to the OTP's submit_sm at the SMSC, measured while
 * a 100,000-message bulk campaign drains through the same dispatcher and connector. Target (issue 5):
 * p99 < 100 ms — the transactional lane must never wait behind a campaign.
 *
 *   node --import tsx bench/otp-latency.ts [--campaign 100000] [--otps 300] [--rate 50] [--db URL]
 *                                          [--max-in-flight N] [--throughput N]
 *   (--db postgres: a throwaway PostgreSQL cluster; default: a fresh SQLite file)
 *
 * Three processes, as in production: this one (set-up, HTTP client, measurement), the gateway
 * (src/main.ts, dispatcher included) and the SMSC simulator; they share the host's clock. The campaign is
 * enqueued through acceptMessages (bulk lane, batches of 1000) before the gateway starts, so what is
 * measured is a campaign draining, not one being written.
 */
import { type ChildProcess, fork, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { systemClock } from "../src/app/deps.js";
import { createAccount, createKey } from "../src/app/manage-accounts.js";
import { setOtpLimits } from "../src/app/otp/settings.js";
import { acceptMessages, prepareMessage } from "../src/app/send-message.js";
import { Priority } from "../src/core/message.js";
import { openStore } from "../src/store/open.js";
import { createTestDatabase } from "../test/helpers/postgres.js";

/** OTPs go to +49151…, the campaign to +49170…: the destination says which submit is which. */
const OTP_PREFIX = "49151";

if (process.argv.includes("--smsc")) await runSmsc();
else await main();

/** The SMSC child: reports each OTP submit as it arrives, and the campaign's submits as a running count. */
async function runSmsc(): Promise<void> {
  const { startSimulator } = await import("../src/delivery/simulator/index.js");
  const simulator = await startSimulator({ port: 0, receiptDelayMs: 200 });
  let campaign = 0;
  simulator.on("submit", (record) => {
    const destination = record.destination.replace(/^\+/, "");
    if (destination.startsWith(OTP_PREFIX)) process.send?.({ otp: destination, at: record.receivedAt });
    else campaign++;
  });
  setInterval(() => process.send?.({ campaign }), 50);
  // The parent is gone (finished or killed): so is the benchmark.
  process.on("disconnect", () => process.exit(0));
  process.send?.({ port: simulator.port });
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      campaign: { type: "string", default: "100000" },
      otps: { type: "string", default: "300" },
      rate: { type: "string", default: "50" },
      db: { type: "string" },
      "max-in-flight": { type: "string" },
      throughput: { type: "string", default: "1000" },
    },
  });
  const CAMPAIGN = Number(args.campaign);
  const OTPS = Number(args.otps);
  const dir = mkdtempSync(join(tmpdir(), "starling-bench-"));
  // "--db postgres" starts a throwaway PostgreSQL cluster (as the tests do); any other value is a URL.
  const dbUrl =
    args.db === "postgres" ? await createTestDatabase() : (args.db ?? `sqlite:${join(dir, "starling.db")}`);

  // Set-up straight in the store, before the gateway (and so the dispatcher) runs.
  const store = await openStore(dbUrl);
  const deps = { store, clock: systemClock, pricing: { defaultPricePerPartMicros: 70_000 } };
  const account = await createAccount(deps, { name: "bench", country: "DE", balance: CAMPAIGN * 0.1 + 1000 });
  const { token } = await createKey(deps, account.id);
  const sender = await store.fullsms.senderIds.request(account.id, "Starling", Date.now());
  await store.fullsms.senderIds.decide(sender.id, "approved", Date.now());
  // Nobody verifies these OTPs, so every one stays active: lift the concurrent limit for the run.
  await setOtpLimits(deps, account.id, { maxActive: OTPS + 10 });
  const enqueueStarted = Date.now();
  // One message through prepareMessage; the rest are copies with their own uuid and number (same text,
  // sender and price), so writing 100,000 rows takes seconds.
  const template = await prepareMessage(deps, {
    account,
    keyId: null,
    text: "Spring sale: 20% off everything this weekend. Reply STOP to opt out.",
    senderId: "Starling",
    phone: "+491701000000",
    priority: Priority.BULK,
  });
  for (let start = 0; start < CAMPAIGN; start += 1000) {
    const messages = Array.from({ length: Math.min(1000, CAMPAIGN - start) }, (_, j) => ({
      ...template,
      uuid: randomUUID(),
      phone: `+49170${String(1_000_000 + start + j)}`,
      createdAt: Date.now(),
    }));
    await acceptMessages(deps, account.id, messages);
  }
  const enqueueSeconds = (Date.now() - enqueueStarted) / 1000;
  await store.close();

  // The SMSC.
  const smsc = fork(new URL(import.meta.url).pathname, ["--smsc"], { execArgv: ["--import", "tsx"] });
  const otpSubmits = new Map<string, number>();
  let campaignSubmits = 0;
  const smscPort = await new Promise<number>((resolve) => {
    smsc.on("message", (m: { port?: number; otp?: string; at?: number; campaign?: number }) => {
      if (m.port !== undefined) resolve(m.port);
      if (m.otp !== undefined) otpSubmits.set(m.otp, m.at!);
      if (m.campaign !== undefined) campaignSubmits = m.campaign;
    });
  });

  // The gateway, configured through a file as an operator would.
  const httpPort = await freePort();
  const configFile = join(dir, "starling.json");
  writeFileSync(
    configFile,
    JSON.stringify({
      server: { host: "127.0.0.1", port: httpPort },
      database: { url: dbUrl },
      log: { level: "warn" },
      demo: { enabled: false },
      webhooks: { enabled: false },
      // Safe sending stays on (its checks are part of an OTP create's cost), with room for the run: nobody
      // verifies these OTPs, and they all go to one 5-digit prefix.
      fraud: {
        velocity: { prefix: { limit: OTPS * 10, windowSeconds: 60 } },
        otpGuard: { minVolume: OTPS * 10 },
      },
      delivery: {
        simulator: { enabled: false },
        connectors: [
          {
            id: "smsc",
            host: "127.0.0.1",
            port: smscPort,
            systemId: "starling",
            password: "starling",
            window: 100,
            throughputPerSecond: Number(args.throughput),
          },
        ],
        ...(args["max-in-flight"] ? { maxInFlight: Number(args["max-in-flight"]) } : {}),
      },
    }),
  );
  const gateway = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: { ...process.env, STARLING_CONFIG: configFile },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const base = `http://127.0.0.1:${httpPort}`;
  await waitFor(async () => (await fetch(`${base}/health`).catch(() => undefined))?.ok === true, 30_000);

  // Measure only once the campaign is really draining.
  await waitFor(() => campaignSubmits >= Math.min(5_000, CAMPAIGN / 10), 120_000);
  const campaignAtFirstOtp = campaignSubmits;
  const sentAt = new Map<string, number>();
  const createTimes: number[] = [];
  const failures: string[] = [];
  const otpStarted = Date.now();
  for (let i = 0; i < OTPS; i++) {
    const to = `${OTP_PREFIX}${String(10_000_000 + i)}`;
    const startedAt = Date.now();
    sentAt.set(to, startedAt);
    void fetch(`${base}/otp/create`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ to_number: to, from: "Starling", brand: "Bench" }),
    }).then(
      async (res) => {
        createTimes.push(Date.now() - startedAt);
        if (res.status !== 200) failures.push(`${res.status} ${await res.text()}`);
      },
      (error: Error) => failures.push(error.message),
    );
    await new Promise((r) => setTimeout(r, 1000 / Number(args.rate)));
  }
  await waitFor(() => otpSubmits.size + failures.length >= OTPS, 60_000).catch(() => undefined);
  const campaignAtLastOtp = campaignSubmits;
  const otpSeconds = (Date.now() - otpStarted) / 1000;

  const latencies = [...otpSubmits].map(([to, at]) => at - sentAt.get(to)!);
  const rows: [string, string][] = [
    ["store", dbUrl.startsWith("postgres") ? "postgres" : "sqlite"],
    ["campaign messages", String(CAMPAIGN)],
    ["campaign enqueue time (s)", enqueueSeconds.toFixed(1)],
    ["campaign submits before first OTP", String(campaignAtFirstOtp)],
    ["campaign rate during OTPs (msg/s)", ((campaignAtLastOtp - campaignAtFirstOtp) / otpSeconds).toFixed(0)],
    ["campaign still queued after last OTP", String(Math.max(0, CAMPAIGN - campaignAtLastOtp))],
    ["OTPs created / submitted / failed", `${OTPS} / ${latencies.length} / ${failures.length}`],
    ["POST /otp/create p50 / p99 (ms)", `${percentile(createTimes, 50)} / ${percentile(createTimes, 99)}`],
    ["create → submit_sm p50 (ms)", String(percentile(latencies, 50))],
    ["create → submit_sm p90 (ms)", String(percentile(latencies, 90))],
    ["create → submit_sm p99 (ms)", String(percentile(latencies, 99))],
    ["create → submit_sm max (ms)", String(percentile(latencies, 100))],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
  if (failures.length > 0) process.stdout.write(`first failure: ${failures[0]}\n`);
  const ok =
    latencies.length === OTPS &&
    percentile(latencies, 99) < 100 &&
    // With a campaign, it must still have been draining when the last OTP went out.
    (CAMPAIGN === 0 || campaignAtLastOtp < CAMPAIGN);
  process.stdout.write(`${ok ? "PASS" : "FAIL"}: p99 < 100 ms while the campaign drains\n`);

  await stop(gateway);
  await stop(smsc);
  process.exit(ok ? 0 : 1);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function waitFor(probe: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error()),
      );
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}
