/**
 * OTP latency under load: time from POST /otp/create to the OTP's submit_sm at the SMSC simulator,
 * measured while a 100,000-message bulk campaign drains through the same dispatcher and connector.
 * The target (issue 5) is p99 < 100 ms: the transactional lane must never wait behind a campaign.
 *
 *   node --import tsx bench/otp-latency.ts [--campaign 100000] [--otps 300] [--rate 50] [--db URL]
 *                                          [--max-in-flight N]
 *
 * The campaign is enqueued first through acceptMessages (bulk lane, batches of 1000, as campaign
 * expansion does); OTPs are then created over HTTP with a real token while it drains.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createAccount, createKey } from "../src/app/manage-accounts.js";
import { setOtpLimits } from "../src/app/otp/settings.js";
import { acceptMessages, prepareMessage } from "../src/app/send-message.js";
import { loadConfig } from "../src/config.js";
import { Priority } from "../src/core/message.js";
import { startGateway } from "../src/gateway.js";

const { values: args } = parseArgs({
  options: {
    campaign: { type: "string", default: "100000" },
    otps: { type: "string", default: "300" },
    rate: { type: "string", default: "50" },
    db: { type: "string" },
    /** Override delivery.maxInFlight, to see how much of the latency is queueing behind claimed bulk. */
    "max-in-flight": { type: "string" },
  },
});
const CAMPAIGN = Number(args.campaign);
const OTPS = Number(args.otps);
const OTP_INTERVAL_MS = 1000 / Number(args.rate);
const BATCH = 1000;

const dbUrl = args.db ?? `sqlite:${join(mkdtempSync(join(tmpdir(), "starling-bench-")), "starling.db")}`;
const config = loadConfig(
  {},
  {
    "server.port": 0,
    "database.url": dbUrl,
    "log.level": "silent",
    "demo.enabled": false,
    "delivery.enabled": true,
    "delivery.simulator.enabled": true,
    "delivery.simulator.port": 0,
    "webhooks.enabled": false,
    ...(args["max-in-flight"] ? { "delivery.maxInFlight": Number(args["max-in-flight"]) } : {}),
  },
);

const gateway = await startGateway(config);
const { deps, delivery } = gateway;
const simulator = delivery.simulator;
if (!simulator) throw new Error("the simulator did not start");
for (let i = 0; i < 200 && ![...delivery.connectors.values()].every((c) => c.isUp()); i++) {
  await new Promise((r) => setTimeout(r, 25));
}

const account = await createAccount(deps, { name: "bench", country: "DE", balance: CAMPAIGN * 0.1 + 1000 });
const { token } = await createKey(deps, account.id);
const sender = await deps.store.fullsms.senderIds.request(account.id, "Starling", Date.now());
await deps.store.fullsms.senderIds.decide(sender.id, "approved", Date.now());
// Every OTP here stays in progress (nobody verifies), so lift the concurrent limit for the run.
await setOtpLimits(deps, account.id, { maxActive: OTPS + 10 });

// OTPs go to +49151…, the campaign to +49170…: the destination says which submit is which.
const otpNumber = (i: number) => `+49151${String(10_000_000 + i)}`;
const campaignNumber = (i: number) => `+49170${String(1_000_000 + i)}`;
const digits = (address: string) => address.replace(/^\+/, "");

const otpSent = new Map<string, number>();
const latencies: number[] = [];
let campaignSubmits = 0;
let campaignSubmitsAtFirstOtp = -1;
let campaignSubmitsAtLastOtp = -1;
let allOtpsSeen: () => void = () => {};
const otpsDone = new Promise<void>((resolve) => {
  allOtpsSeen = resolve;
});
simulator.on("submit", (record) => {
  const sentAt = otpSent.get(digits(record.destination));
  if (sentAt === undefined) {
    campaignSubmits++;
    return;
  }
  latencies.push(record.receivedAt - sentAt);
  otpSent.delete(digits(record.destination));
  if (latencies.length === OTPS) {
    campaignSubmitsAtLastOtp = campaignSubmits;
    allOtpsSeen();
  }
});

// The campaign is enqueued whole before measuring: the claim is about a campaign that is draining, not
// one being written. One message goes through prepareMessage; the rest are copies with their own uuid and
// number (the same text, sender and price), so setting up 100,000 rows takes seconds, not minutes.
const enqueueStarted = Date.now();
const template = await prepareMessage(deps, {
  account,
  keyId: null,
  text: "Spring sale: 20% off everything this weekend. Reply STOP to opt out.",
  senderId: "Starling",
  phone: campaignNumber(0),
  priority: Priority.BULK,
});
for (let start = 0; start < CAMPAIGN; start += BATCH) {
  const count = Math.min(BATCH, CAMPAIGN - start);
  const messages = Array.from({ length: count }, (_, j) => ({
    ...template,
    uuid: randomUUID(),
    phone: campaignNumber(start + j),
    createdAt: Date.now(),
  }));
  await acceptMessages(deps, account.id, messages);
}
const enqueueSeconds = (Date.now() - enqueueStarted) / 1000;

// Measure only once the campaign is really draining.
while (campaignSubmits < Math.min(1_000, CAMPAIGN / 10)) await new Promise((r) => setTimeout(r, 20));
campaignSubmitsAtFirstOtp = campaignSubmits;

const failures: string[] = [];
/** POST /otp/create response times: the part of the latency spent before the message is queued. */
const createTimes: number[] = [];
const otpStarted = Date.now();
for (let i = 0; i < OTPS; i++) {
  const to = otpNumber(i);
  const startedAt = Date.now();
  otpSent.set(digits(to), startedAt);
  void fetch(`${gateway.url}/otp/create`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ to_number: to, from: "Starling", brand: "Bench" }),
  }).then(async (res) => {
    createTimes.push(Date.now() - startedAt);
    if (res.status !== 200) failures.push(`${res.status} ${await res.text()}`);
  });
  await new Promise((r) => setTimeout(r, OTP_INTERVAL_MS));
}
const timeout = setTimeout(() => allOtpsSeen(), 30_000);
await otpsDone;
clearTimeout(timeout);
const otpSeconds = (Date.now() - otpStarted) / 1000;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};
const pct = (p: number) => percentile(latencies, p);
const rows: [string, string][] = [
  ["store", gateway.store.kind],
  ["dispatcher maxInFlight", String(config.delivery.maxInFlight)],
  ["campaign messages", String(CAMPAIGN)],
  ["campaign submits before first OTP", String(campaignSubmitsAtFirstOtp)],
  ["campaign submits during OTPs", String(campaignSubmitsAtLastOtp - campaignSubmitsAtFirstOtp)],
  [
    "campaign rate during OTPs (msg/s)",
    ((campaignSubmitsAtLastOtp - campaignSubmitsAtFirstOtp) / otpSeconds).toFixed(0),
  ],
  ["campaign still queued after last OTP", String(Math.max(0, CAMPAIGN - campaignSubmitsAtLastOtp))],
  ["OTPs created / submitted", `${OTPS} / ${latencies.length}`],
  ["OTP create failures", String(failures.length)],
  ["create → submit_sm p50 (ms)", String(pct(50))],
  ["create → submit_sm p90 (ms)", String(pct(90))],
  ["create → submit_sm p99 (ms)", String(pct(99))],
  ["create → submit_sm max (ms)", String(pct(100))],
  [
    "POST /otp/create response p50 / p99 (ms)",
    `${percentile(createTimes, 50)} / ${percentile(createTimes, 99)}`,
  ],
  ["enqueue time for the campaign (s)", enqueueSeconds.toFixed(1)],
];
const width = Math.max(...rows.map(([k]) => k.length));
for (const [k, v] of rows) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
if (failures.length > 0) process.stdout.write(`first failure: ${failures[0]}\n`);
const ok = latencies.length === OTPS && pct(99) < 100 && campaignSubmitsAtLastOtp < CAMPAIGN;
process.stdout.write(`${ok ? "PASS" : "FAIL"}: p99 < 100 ms while the campaign drains\n`);
await gateway.stop();
process.exit(ok ? 0 : 1);
