/**
 * Memory under bursts (issue 17 item 6): the gateway as `npm start` runs it (delivery to its own simulator
 * on), hit by `--connections` concurrent POST /sms for `--duration` s, twice, then left idle. Prints the
 * gateway's RSS (from /proc) at the start, after each burst and after the idle time.
 *
 *   npx tsx bench/memory-bursts.ts [--connections 200] [--duration 20] [--idle 20]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { autocannon, freePort, setupAccount, startGatewayProcess, tempDir } from "./lib.js";

const { values: args } = parseArgs({
  options: {
    connections: { type: "string", default: "200" },
    duration: { type: "string", default: "20" },
    idle: { type: "string", default: "20" },
  },
});
const connections = Number(args.connections);
const duration = Number(args.duration);

const rssMb = (pid: number) => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
};

const dir = tempDir("memory");
const databaseUrl = `sqlite:${join(dir, "starling.db")}`;
const { token } = await setupAccount(databaseUrl, 100_000_000);
const port = await freePort();
const simulatorPort = await freePort();
const gateway = await startGatewayProcess(dir, {
  server: { host: "127.0.0.1", port },
  database: { url: databaseUrl },
  log: { level: "warn" },
  demo: { enabled: false },
  delivery: { enabled: true, simulator: { enabled: true, port: simulatorPort, receiptDelayMs: 100 } },
  webhooks: { enabled: false },
});
const pid = gateway.child.pid!;
const sms = {
  url: `${gateway.url}/sms`,
  method: "POST" as const,
  headers: { "content-type": "application/json", accept: "application/json", "x-lox24-auth-token": token },
  body: JSON.stringify({ sender_id: "Starling", phone: "+4915112345678", text: "Burst message from Starling" }),
  connections,
};
const rows: [string, number, number | string][] = [["started", rssMb(pid), ""]];
try {
  for (const burst of [1, 2]) {
    const r = await autocannon({ ...sms, duration });
    rows.push([`after burst ${burst}`, rssMb(pid), Math.round(r.requestsPerSecond)]);
  }
  await new Promise((r) => setTimeout(r, Number(args.idle) * 1000));
  rows.push([`after ${args.idle} s idle`, rssMb(pid), ""]);
} finally {
  await gateway.stop();
}
console.table(rows.map(([when, rss, rps]) => ({ when, "RSS MB": rss, "req/s": rps })));
