/**
 * Two Starling processes share one PostgreSQL queue (FOR UPDATE SKIP LOCKED): messages accepted by either
 * HTTP server are each submitted to the SMSC exactly once, and both dispatchers take part. Each process
 * binds with its own system_id, so the simulator tells which one submitted what.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { type Simulator, startSimulator } from "../../src/delivery/simulator/index.js";
import { openStore } from "../../src/store/open.js";
import { createTestDatabase, skipWithoutPostgres } from "../helpers/postgres.js";
import {
  gatewayConfig,
  countByDlr,
  createAccountAndKey,
  freePort,
  type GatewayProcess,
  getJson,
  killAllGateways,
  micros,
  pollUntil,
  pool,
  postSms,
  spawnGateway,
  tempDir,
  writeConfig,
} from "./helpers.js";

const MESSAGES = 3000;
const CONCURRENCY = 50;
const START_BALANCE = 10_000;

let sim: Simulator | undefined;
after(async () => {
  await killAllGateways();
  await sim?.close();
});

test("PostgreSQL, two gateway processes, one queue: every message submitted exactly once", {
  skip: skipWithoutPostgres,
  timeout: 120_000,
}, async (t) => {
  sim = await startSimulator({ host: "127.0.0.1", port: 0, scenario: "deliver", receiptDelayMs: 50 });
  const simulator = sim;
  const submits = new Map<number, string[]>(); // marker → system_ids that submitted it
  simulator.on("submit", (record) => {
    const marker = /PG(\d+)X/.exec(record.text);
    if (!marker) return;
    const list = submits.get(Number(marker[1])) ?? [];
    list.push(record.systemId);
    submits.set(Number(marker[1]), list);
  });

  const databaseUrl = await createTestDatabase();
  // Opening the store here runs the migrations once, before either process starts.
  const { token } = await createAccountAndKey(databaseUrl, START_BALANCE);
  const dir = tempDir("pg-two");
  const spawnOne = async (name: string) => {
    const port = await freePort();
    const configFile = writeConfig(
      dir,
      `${name}.json`,
      gatewayConfig({
        port,
        databaseUrl,
        simulatorPort: simulator.port,
        systemId: name,
        delivery: { leaseSeconds: 30 },
      }),
    );
    return spawnGateway({ label: name, configFile, port });
  };
  const gateways: GatewayProcess[] = await Promise.all([spawnOne("gw-a"), spawnOne("gw-b")]);

  const accepted = new Map<number, { uuid: string; price: number }>();
  const failures: string[] = [];
  const started = Date.now();
  await pool(MESSAGES, CONCURRENCY, async (i) => {
    const gateway = gateways[i % 2]!;
    try {
      const res = await postSms(gateway.url, token, {
        sender_id: "Starling",
        phone: "+4915112345678",
        text: `two processes PG${i}X`,
      });
      if (res.status === 201) accepted.set(i, { uuid: res.body.uuid, price: res.body.price });
      else failures.push(`${i}: ${res.status} ${JSON.stringify(res.body)}`);
    } catch (error) {
      failures.push(`${i}: ${(error as Error).message}`);
    }
  });
  const sendingMs = Date.now() - started;
  assert.deepEqual(failures, [], "every request accepted");
  assert.equal(accepted.size, MESSAGES);

  const base = gateways[0]!.url;
  let delivered = 0;
  const allDelivered = await pollUntil(
    async () => {
      delivered = await countByDlr(base, token, 1);
      return delivered === MESSAGES;
    },
    60_000,
    250,
  );

  const byProcess = new Map<string, number>();
  for (const systemIds of submits.values()) {
    for (const id of systemIds) byProcess.set(id, (byProcess.get(id) ?? 0) + 1);
  }
  const duplicates = [...submits.entries()].filter(([, ids]) => ids.length > 1);
  const report =
    `two processes on PostgreSQL: ${MESSAGES} accepted in ${sendingMs} ms, ${delivered} delivered, ` +
    `submits by process ${JSON.stringify(Object.fromEntries(byProcess))}, ${duplicates.length} submitted more than once`;
  console.log(report);
  t.diagnostic(report);

  assert.ok(allDelivered, `every message delivered within 60 s (${delivered} of ${MESSAGES})`);
  assert.deepEqual(
    duplicates.slice(0, 10).map(([i, ids]) => `${i}: ${ids.join(",")}`),
    [],
    "no message submitted twice",
  );
  for (const i of accepted.keys())
    assert.equal(submits.get(i)?.length, 1, `message ${i} submitted exactly once`);
  assert.equal(simulator.stats.accepted, MESSAGES, "the SMSC accepted exactly one submit per message");
  assert.ok((byProcess.get("gw-a") ?? 0) > 0, "process A submitted a share");
  assert.ok((byProcess.get("gw-b") ?? 0) > 0, "process B submitted a share");

  // Charged once per message, and nothing left queued.
  const me = await getJson(base, token, "/me");
  const charged = micros(START_BALANCE) - micros(me.body.balance_amount);
  assert.equal(
    charged,
    [...accepted.values()].reduce((sum, a) => sum + micros(a.price), 0),
  );
  await Promise.all(gateways.map((g) => g.stop()));
  for (const g of gateways) assert.equal(await g.exited, 0, `${g.label} shut down cleanly`);
  const store = await openStore(databaseUrl);
  try {
    assert.deepEqual(await store.delivery.queueDepth(), { transactional: 0, bulk: 0 }, "no queue rows left");
  } finally {
    await store.close();
  }
});
