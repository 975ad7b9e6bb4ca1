/**
 * POST /sms against GET /health on the same server, in the same run: requests/s and p50/p99 latency for
 * each, and the ratio; POST /sms/dryrun in between shows what the same request costs before storage. The
 * gateway runs as `npm start` does (its own process, durable SQLite file in WAL mode, every commit fsynced
 * before it is acknowledged), with delivery off so that only acceptance is measured; autocannon drives the
 * load from another process. Issue 2's target: POST /sms reaches at least half the trivial route.
 *
 *   npx tsx bench/http.ts [--connections 50] [--duration 10] [--rounds 1] [--warmup 2] [--profile]
 *
 * --profile runs the gateway under `node --cpu-prof`, loads POST /sms only, and prints where its CPU went.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  autocannon,
  freePort,
  type LoadResult,
  setupAccount,
  startGatewayProcess,
  summariseCpuProfile,
  table,
  tempDir,
} from "./lib.js";
import { cpuSeconds, microsPerItem } from "./cpu.js";

const { values: args } = parseArgs({
  options: {
    connections: { type: "string", default: "50" },
    duration: { type: "string", default: "10" },
    rounds: { type: "string", default: "1" },
    warmup: { type: "string", default: "2" },
    profile: { type: "boolean", default: false },
  },
});
const connections = Number(args.connections);
const duration = Number(args.duration);
const rounds = Number(args.rounds);
const warmup = Number(args.warmup);

const dir = tempDir("http");
const databaseUrl = `sqlite:${join(dir, "starling.db")}`;
const { token } = await setupAccount(databaseUrl, 100_000_000);
const port = await freePort();
const profileDir = join(dir, "profile");
const gateway = await startGatewayProcess(
  dir,
  {
    server: { host: "127.0.0.1", port },
    database: { url: databaseUrl },
    log: { level: "warn" },
    demo: { enabled: false },
    delivery: { enabled: false, simulator: { enabled: false } },
    webhooks: { enabled: false },
  },
  args.profile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
);

const gatewayPid = gateway.child.pid ?? 0;
const health = { url: `${gateway.url}/health`, connections };
const sms = {
  url: `${gateway.url}/sms`,
  method: "POST" as const,
  headers: { "content-type": "application/json", accept: "application/json", "x-lox24-auth-token": token },
  body: JSON.stringify({
    sender_id: "Starling",
    phone: "+4915112345678",
    text: "Benchmark message from Starling",
  }),
  connections,
};
// The same request validated, priced and answered, with nothing stored: what POST /sms costs before storage.
const dryrun = { ...sms, url: `${gateway.url}/sms/dryrun` };

if (args.profile) {
  try {
    const r = await autocannon({ ...sms, duration });
    process.stdout.write(
      `POST /sms under the profiler: ${Math.round(r.requestsPerSecond)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms\n`,
    );
  } finally {
    await gateway.stop();
  }
  process.stdout.write(`\n${summariseCpuProfile(profileDir)}\n`);
  process.exit(0);
}

try {
  process.stdout.write(
    `gateway ${gateway.url}, store ${databaseUrl} (durable), ${connections} connections, ${duration} s per run\n`,
  );
  if (warmup > 0) {
    await autocannon({ ...health, duration: warmup });
    await autocannon({ ...sms, duration: warmup });
  }
  const results: { route: string; r: LoadResult; gatewayCpu: number }[] = [];
  const run = async (route: string, options: Parameters<typeof autocannon>[0]) => {
    const before = cpuSeconds(gatewayPid);
    const r = await autocannon({ ...options, duration });
    results.push({ route, r, gatewayCpu: cpuSeconds(gatewayPid) - before });
  };
  for (let round = 1; round <= rounds; round++) {
    await run("GET /health", health);
    await run("POST /sms/dryrun", dryrun);
    await run("POST /sms", sms);
  }
  const rows = results.map(({ route, r, gatewayCpu }) => [
    route,
    r.requestsPerSecond,
    r.p50,
    r.p99,
    r.ok2xx,
    r.non2xx,
    r.errors + r.timeouts,
    microsPerItem(gatewayCpu, r.total),
    microsPerItem(r.loadCpuSeconds, r.total),
  ]);
  process.stdout.write(
    `\n${table(
      ["route", "req/s (2xx)", "p50 ms", "p99 ms", "2xx", "non-2xx", "errors", "gateway CPU µs/req", "autocannon CPU µs/req"],
      rows,
    )}\n`,
  );
  const mean = (route: string) => {
    const list = results.filter((x) => x.route === route).map((x) => x.r.requestsPerSecond);
    return list.reduce((a, b) => a + b, 0) / list.length;
  };
  const ratio = mean("POST /sms") / mean("GET /health");
  // What the ratio would be if the gateway's CPU were the only limit: on two cores autocannon takes a large
  // share of the machine, more of it on the cheaper route.
  const cpuPerRequest = (route: string) => {
    const list = results.filter((x) => x.route === route);
    return list.reduce((a, x) => a + x.gatewayCpu, 0) / list.reduce((a, x) => a + x.r.total, 0);
  };
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  process.stdout.write(
    `\nPOST /sms / GET /health throughput: ${pct(ratio)} (target ≥ 50%: ${ratio >= 0.5 ? "met" : "NOT met"})\n` +
      `POST /sms/dryrun / GET /health: ${pct(mean("POST /sms/dryrun") / mean("GET /health"))}; ` +
      `POST /sms / POST /sms/dryrun (what storing leaves): ${pct(mean("POST /sms") / mean("POST /sms/dryrun"))}\n` +
      `gateway CPU per request, GET /health / POST /sms: ${pct(cpuPerRequest("GET /health") / cpuPerRequest("POST /sms"))}` +
      " (the throughput ratio if the gateway's own CPU were the only limit)\n",
  );
  const failed = results.filter(({ r }) => r.non2xx > 0 || r.errors > 0);
  if (failed.length > 0) {
    process.stdout.write(`warning: ${failed.map((f) => f.route).join(", ")} had non-2xx answers or errors\n`);
    process.exitCode = 1;
  }
} finally {
  await gateway.stop();
}
