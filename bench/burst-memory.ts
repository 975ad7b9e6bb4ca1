/**
 * Memory under bursts (issue 17): POST /sms from 200 connections for 20 s, then idle, twice. Prints the
 * gateway's RSS and heap at the start, at the end of each burst and after each idle spell, from the samples
 * bench/memory-probe.mjs writes inside it. Delivery is off: this measures what acceptance holds.
 *
 *   npx tsx bench/burst-memory.ts [--connections 200] [--duration 20] [--idle 20] [--bursts 2]
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { autocannon, freePort, setupAccount, sleep, startGatewayProcess, table, tempDir } from "./lib.js";
import { MEMORY_PROBE, readSamples } from "./memory.js";

const { values: args } = parseArgs({
  options: {
    connections: { type: "string", default: "200" },
    duration: { type: "string", default: "20" },
    idle: { type: "string", default: "20" },
    bursts: { type: "string", default: "2" },
  },
});
const dir = tempDir("burst");
const databaseUrl = `sqlite:${join(dir, "starling.db")}`;
const { token } = await setupAccount(databaseUrl, 10_000_000);
const port = await freePort();
const memoryFile = join(dir, "memory.jsonl");
process.env.STARLING_MEMORY_PROBE = memoryFile;
const gateway = await startGatewayProcess(
  dir,
  {
    server: { host: "127.0.0.1", port },
    database: { url: databaseUrl },
    log: { level: "warn" },
    demo: { enabled: false },
    webhooks: { enabled: false },
    delivery: { enabled: false },
  },
  ["--import", MEMORY_PROBE],
);
const pid = gateway.child.pid ?? 0;
const MB = 1024 * 1024;
const marks: [string, number][] = [];
const mark = (label: string) => marks.push([label, Date.now()]);
await sleep(2000);
mark("start (idle)");
for (let burst = 1; burst <= Number(args.bursts); burst++) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/sms`,
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", "x-lox24-auth-token": token },
    body: JSON.stringify({ sender_id: "Starling", phone: "+4915112345678", text: "burst [<id>]" }),
    idReplacement: true,
    connections: Number(args.connections),
    duration: Number(args.duration),
  });
  await sleep(1100);
  mark(`end of burst ${burst} (${result.ok2xx} × 201)`);
  await sleep(Number(args.idle) * 1000);
  mark(`after ${args.idle} s idle`);
}
await gateway.stop();
const samples = readSamples(memoryFile, pid);
const at = (t: number) => samples.filter((s) => s.t <= t).at(-1);
const peak = samples.reduce((m, s) => Math.max(m, s.rss), 0);
process.stdout.write(
  `\n${args.connections} connections × ${args.duration} s, ${args.bursts} bursts, POST /sms on durable SQLite, delivery off\n\n` +
    `${table(
      ["gateway memory, MB", "rss", "heapTotal", "heapUsed", "external"],
      marks.map(([label, t]) => {
        const s = at(t);
        return s
          ? [
              label,
              (s.rss / MB).toFixed(0),
              (s.heapTotal / MB).toFixed(0),
              (s.heapUsed / MB).toFixed(0),
              (s.external / MB).toFixed(0),
            ]
          : [label, "-", "-", "-", "-"];
      }),
    )}\npeak RSS ${(peak / MB).toFixed(0)} MB\n`,
);
process.exit();
