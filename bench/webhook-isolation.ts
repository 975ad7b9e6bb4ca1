/**
 * Webhook tenant isolation (issue 17 item 1): three accounts, each with one receiver — one that accepts
 * connections and never answers, one that answers after `--slow-ms`, and a healthy one. Events for all
 * three are written at the same steady rate; the table gives how long the healthy receiver's events took
 * from being written to arriving (p50/p95/max) and how many had not arrived when the run ended.
 *
 *   npx tsx bench/webhook-isolation.ts [--seconds 10] [--rate 20] [--slow-ms 2000] [--timeout-ms 5000] [--grace 20]
 */
import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { systemClock } from "../src/app/deps.js";
import { openStore } from "../src/store/open.js";
import { WebhookDispatcher } from "../src/webhooks/dispatcher.js";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    rate: { type: "string", default: "20" },
    "slow-ms": { type: "string", default: "2000" },
    "timeout-ms": { type: "string", default: "5000" },
    grace: { type: "string", default: "20" },
  },
});
const seconds = Number(values.seconds);
const rate = Number(values.rate);
const slowMs = Number(values["slow-ms"]);

type Answer = "never" | number;

async function receiver(answer: Answer) {
  const arrivals = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => {
      const id = (JSON.parse(raw) as { data: { id: string } }).data.id;
      if (!arrivals.has(id)) arrivals.set(id, Date.now());
      if (answer !== "never") setTimeout(() => res.writeHead(204).end(), answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/hook`, arrivals, server };
}

const store = await openStore(`sqlite:${join(mkdtempSync(join(tmpdir(), "starling-isolation-")), "s.db")}`);
const receivers = { hung: await receiver("never"), slow: await receiver(slowMs), healthy: await receiver(0) };
const accounts: Record<string, number> = {};
for (const [name, r] of Object.entries(receivers)) {
  const account = await store.accounts.create(
    { name, country: "DE", currency: "EUR", balanceMicros: 0, webhookSecret: "s".repeat(32) },
    Date.now(),
  );
  accounts[name] = account.id;
  await store.webhooks.add(account.id, r.url, Date.now());
}

const dispatcher = new WebhookDispatcher(
  { store, clock: systemClock, log: pino({ level: "silent" }) },
  { maxAttempts: 4, timeoutMs: Number(values["timeout-ms"]), baseDelayMs: 10_000 },
);
dispatcher.start();

const written = new Map<string, number>();
const total = seconds * rate;
for (let i = 0; i < total; i++) {
  // The hung account's event is written first each time, as when its traffic came first.
  for (const name of ["hung", "slow", "healthy"]) {
    const id = `${name}-${i}`;
    if (name === "healthy") written.set(id, Date.now());
    await store.webhooks.enqueue(accounts[name]!, "sms.delivery", { id, dlr_code: 1 }, Date.now());
  }
  await new Promise((r) => setTimeout(r, 1000 / rate));
}
const graceEnd = Date.now() + Number(values.grace) * 1000;
while (receivers.healthy.arrivals.size < total && Date.now() < graceEnd)
  await new Promise((r) => setTimeout(r, 100));

const delays = [...written].map(([id, at]) => {
  const arrived = receivers.healthy.arrivals.get(id);
  return arrived === undefined ? Number.POSITIVE_INFINITY : arrived - at;
});
delays.sort((a, b) => a - b);
const pct = (p: number) => delays[Math.min(delays.length - 1, Math.floor((p / 100) * delays.length))]!;
const fmt = (ms: number) => (Number.isFinite(ms) ? `${ms} ms` : "missing");
console.table({
  healthy: {
    events: total,
    p50: fmt(pct(50)),
    p95: fmt(pct(95)),
    max: fmt(delays[delays.length - 1]!),
    missing: delays.filter((d) => !Number.isFinite(d)).length,
  },
  slow: { events: total, arrived: receivers.slow.arrivals.size },
  hung: { events: total, arrived: receivers.hung.arrivals.size },
});
await Promise.race([dispatcher.stop(), new Promise((r) => setTimeout(r, 2000))]);
for (const r of Object.values(receivers)) r.server.closeAllConnections();
await store.close();
process.exit(0);
