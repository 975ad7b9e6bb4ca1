/**
 * FullSMS campaign expansion: how long a list campaign takes from POST /messages/send/to_lists until
 * every contact's message is enqueued (priced, debited, stored with its queue row), and the process's
 * memory meanwhile. Delivery is off: this measures expansion and enqueue alone.
 *
 *   node --import tsx bench/campaign-expansion.ts [--contacts 100000] [--store sqlite|postgres|both] [--db URL]
 *
 * PostgreSQL uses the tests' throwaway cluster (binaries under /usr/lib/postgresql) unless --db is given.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { addNumber } from "../src/app/fullsms/manage-catalogue.js";
import { campaignsIdle, stopCampaigns } from "../src/app/fullsms/campaign-runner.js";
import { createAccount, createKey } from "../src/app/manage-accounts.js";
import { loadConfig } from "../src/config.js";
import { startGateway } from "../src/gateway.js";
import { createTestDatabase, postgresAvailable } from "../test/helpers/postgres.js";

const { values: args } = parseArgs({
  options: {
    contacts: { type: "string", default: "100000" },
    store: { type: "string", default: "sqlite" },
    db: { type: "string" },
  },
});
const CONTACTS = Number(args.contacts);
const MB = 1024 * 1024;

interface Row {
  store: string;
  contacts: number;
  "insert s": string;
  "answered ms": string;
  seconds: string;
  "messages/s": string;
  "peak RSS MB": string;
  "RSS growth MB": string;
}

async function databaseUrl(store: string): Promise<string> {
  if (args.db) return args.db;
  if (store === "postgres") return createTestDatabase();
  return `sqlite:${join(mkdtempSync(join(tmpdir(), "starling-bench-")), "starling.db")}`;
}

async function run(store: string): Promise<Row> {
  const config = loadConfig(
    {},
    {
      "server.port": 0,
      "database.url": await databaseUrl(store),
      "log.level": "silent",
      "demo.enabled": false,
      "delivery.enabled": false,
      "delivery.simulator.enabled": false,
      "webhooks.enabled": false,
    },
  );
  const gateway = await startGateway(config);
  const { deps } = gateway;
  try {
    const account = await createAccount(deps, { name: "bench", country: "DE", balance: CONTACTS });
    const { token } = await createKey(deps, account.id);
    await addNumber(deps, account.id, "4915112345678");
    const list = await deps.store.fullsms.lists.create(account.id, "bench", null, Date.now());

    let started = performance.now();
    const batch = 10_000;
    for (let i = 0; i < CONTACTS; i += batch) {
      const phones = Array.from({ length: Math.min(batch, CONTACTS - i) }, (_, j) => `+49151${String(i + j).padStart(8, "0")}`);
      await deps.store.fullsms.contacts.add(list.id, phones, Date.now());
    }
    const insertSeconds = (performance.now() - started) / 1000;

    const baseline = process.memoryUsage.rss();
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage.rss());
    }, 10);
    started = performance.now();
    const response = await fetch(`${gateway.url}/messages/send/to_lists`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token.replace(":", "|")}`, "Content-Type": "application/json" },
      body: JSON.stringify({ to_list_ids: [list.id], message: "Your Message", from: "4915112345678" }),
    });
    const answeredMs = performance.now() - started;
    const body = (await response.json()) as { campaign_id?: string };
    if (!response.ok || !body.campaign_id) throw new Error(`send failed: ${response.status} ${JSON.stringify(body)}`);
    await campaignsIdle(deps);
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);

    const campaign = await deps.store.fullsms.campaigns.getById(body.campaign_id);
    if (campaign?.status !== "done" || campaign.enqueued !== CONTACTS) {
      throw new Error(`campaign ended ${campaign?.status} with ${campaign?.enqueued} enqueued: ${campaign?.failureReason}`);
    }
    return {
      store,
      contacts: CONTACTS,
      "insert s": insertSeconds.toFixed(2),
      "answered ms": answeredMs.toFixed(0),
      seconds: seconds.toFixed(2),
      "messages/s": (CONTACTS / seconds).toFixed(0),
      "peak RSS MB": (peak / MB).toFixed(0),
      "RSS growth MB": ((peak - baseline) / MB).toFixed(0),
    };
  } finally {
    await stopCampaigns(deps);
    await gateway.stop();
  }
}

const stores = args.store === "both" ? ["sqlite", "postgres"] : [args.store];
const rows: Row[] = [];
for (const store of stores) {
  if (store === "postgres" && !args.db && !postgresAvailable()) {
    process.stderr.write("postgres: server binaries not installed, skipped\n");
    continue;
  }
  rows.push(await run(store));
}
console.table(rows);
process.exit(0);
