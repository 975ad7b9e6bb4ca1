/**
 * SIGKILL in the middle of a run: the real gateway (a child process on durable SQLite) is killed while it is
 * accepting and dispatching thousands of messages, restarted, and the run finished. Then every accepted
 * message must have reached the SMSC and be delivered, nothing may be charged twice, and no queue row may be
 * left. Submits the dead process made but had not recorded are sent again after the lease lapses: those
 * duplicates are possible by design (at-least-once towards the SMSC), so they are counted and reported, and
 * must stay below the dispatcher's in-flight bound; messages accepted after the restart get none.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { type Simulator, startSimulator } from "../../src/delivery/simulator/index.js";
import { openStore } from "../../src/store/open.js";
import {
  gatewayConfig,
  countByDlr,
  createAccountAndKey,
  freePort,
  type GatewayProcess,
  getJson,
  killAllGateways,
  listAllMessages,
  micros,
  pool,
  pollUntil,
  postSms,
  spawnGateway,
  tempDir,
  writeConfig,
} from "./helpers.js";

const MESSAGES = 3000;
const CONCURRENCY = 50;
/** Kill once this many messages were accepted: mid-acceptance and mid-dispatch. */
const KILL_AFTER = 1200;
const MAX_IN_FLIGHT = 200;
const LEASE_SECONDS = 3;
const START_BALANCE = 10_000;

let sim: Simulator | undefined;
after(async () => {
  await killAllGateways();
  await sim?.close();
});

test("SIGKILL mid-run: every accepted message delivered, no double charge, duplicates reported", {
  // A backstop only: every wait inside is for a condition, which a loaded machine reaches later.
  timeout: 600_000,
}, async (t) => {
  sim = await startSimulator({ host: "127.0.0.1", port: 0, scenario: "deliver", receiptDelayMs: 50 });
  const simulator = sim;
  // How often each message (by its marker) reached the SMSC.
  const seen = new Map<number, number>();
  simulator.on("message", (m) => {
    const marker = /CR(\d+)X/.exec(m.text);
    if (marker) seen.set(Number(marker[1]), (seen.get(Number(marker[1])) ?? 0) + 1);
  });

  const dir = tempDir("crash");
  const databaseUrl = `sqlite:${join(dir, "starling.db")}`;
  const { token } = await createAccountAndKey(databaseUrl, START_BALANCE);
  const port = await freePort();
  const configFile = writeConfig(
    dir,
    "config.json",
    gatewayConfig({
      port,
      databaseUrl,
      simulatorPort: simulator.port,
      systemId: "crashtest",
      connector: { window: 50, reconnect: { minMs: 100, maxMs: 1000 } },
      delivery: {
        leaseSeconds: LEASE_SECONDS,
        maxInFlight: MAX_IN_FLIGHT,
        retry: { baseMs: 200, maxMs: 2000, maxAttempts: 10 },
      },
    }),
  );
  const start = (label: string) => spawnGateway({ label, configFile, port });

  let gateway: GatewayProcess = await start("first");
  let phase = 1;
  let ready: Promise<void> = Promise.resolve();
  let killed = false;
  const accepted = new Map<number, { uuid: string; price: number; phase: number }>();
  const lost: number[] = []; // requests without an answer: the process died under them
  const refused: string[] = [];
  let atKill = { accepted: 0, submitted: 0, receipted: 0 };

  const crashAndRestart = () => {
    killed = true;
    ready = (async () => {
      atKill = {
        accepted: accepted.size,
        submitted: simulator.stats.accepted,
        receipted: simulator.stats.receiptsSent,
      };
      await gateway.crash();
      phase = 2;
      gateway = await start("restarted");
    })();
  };

  const started = Date.now();
  await pool(MESSAGES, CONCURRENCY, async (i) => {
    await ready;
    const target = gateway;
    const requestPhase = phase;
    try {
      const res = await postSms(target.url, token, {
        sender_id: "Starling",
        phone: "+4915112345678",
        text: `reliability crash test CR${i}X`,
      });
      if (res.status === 201)
        accepted.set(i, { uuid: res.body.uuid, price: res.body.price, phase: requestPhase });
      else refused.push(`${i}: ${res.status} ${JSON.stringify(res.body)}`);
    } catch {
      lost.push(i);
    }
    if (!killed && accepted.size >= KILL_AFTER) crashAndRestart();
  });
  await ready;
  const sendingMs = Date.now() - started;

  assert.deepEqual(refused, [], "no request may be refused");
  assert.ok(killed, "the gateway was killed during the run");
  assert.ok(atKill.submitted > 0, "dispatch had started when the process was killed");
  assert.ok(atKill.receipted < MESSAGES, "the run was still going when the process was killed");
  const afterRestart = [...accepted.values()].filter((a) => a.phase === 2).length;
  assert.ok(
    afterRestart >= (MESSAGES - KILL_AFTER) / 2,
    `enough messages accepted after the restart (${afterRestart})`,
  );

  // Everything the store holds must become final; some requests cut by the kill may have committed.
  const base = gateway.url;
  // Waits for the condition as long as delivery progresses (a loaded machine is slow, not wrong); gives up
  // only after 30 s without a single message more delivered.
  let lastDelivered = -1;
  let stalledSince = Date.now();
  const allFinal = await pollUntil(
    async () => {
      const [delivered, total] = await Promise.all([
        countByDlr(base, token, 1),
        getJson(base, token, "/sms?itemsPerPage=1", true).then((r) => Number(r.body["hydra:totalItems"])),
      ]);
      if (delivered > lastDelivered) {
        lastDelivered = delivered;
        stalledSince = Date.now();
      }
      return (delivered === total && total >= accepted.size) || Date.now() - stalledSince > 30_000;
    },
    Number.POSITIVE_INFINITY,
    250,
  ).then(async () => {
    const total = Number((await getJson(base, token, "/sms?itemsPerPage=1", true)).body["hydra:totalItems"]);
    return lastDelivered === total && total >= accepted.size;
  });

  const messages = new Map((await listAllMessages(base, token)).map((m) => [m.uuid as string, m]));
  const markerOf = (m: { text: string | null }) => Number(/CR(\d+)X/.exec(m.text ?? "")?.[1] ?? -1);
  const byState = new Map<string, number>();
  for (const m of messages.values()) {
    const key = `status ${m.status_code} dlr ${m.dlr_code}`;
    byState.set(key, (byState.get(key) ?? 0) + 1);
  }
  // Messages committed while their request died with the process: not acknowledged, but stored and sent.
  const acceptedUuids = new Set([...accepted.values()].map((a) => a.uuid));
  const orphans = [...messages.values()].filter((m) => !acceptedUuids.has(m.uuid));
  // Duplicates at the SMSC: submitted by the dead process but not recorded, then submitted again.
  const duplicates = [...seen.entries()].filter(([, n]) => n > 1);
  const duplicatesAfterRestart = duplicates.filter(([i]) => accepted.get(i)?.phase === 2);
  const extraSubmits = duplicates.reduce((sum, [, n]) => sum + n - 1, 0);
  const notDelivered = [...messages.values()].filter((m) => m.dlr_code !== 1);
  const report =
    `crash test: ${accepted.size} accepted (${afterRestart} after the restart), ${lost.length} requests cut by the kill, ` +
    `${orphans.length} stored without an answer; at the kill: ${atKill.accepted} accepted, ${atKill.submitted} submitted, ` +
    `${atKill.receipted} receipted; duplicates at the SMSC: ${duplicates.length} messages (${extraSubmits} extra submits), ` +
    `${duplicatesAfterRestart.length} among messages accepted after the restart; final states ${JSON.stringify(Object.fromEntries(byState))}; ` +
    `sending took ${sendingMs} ms`;
  console.log(report);
  t.diagnostic(report);

  assert.ok(
    allFinal,
    `every stored message delivered (no progress for 30 s); not delivered: ${notDelivered.length} ` +
      `(${notDelivered
        .slice(0, 5)
        .map(
          (m) =>
            `${m.uuid} status ${m.status_code} dlr ${m.dlr_code} ${acceptedUuids.has(m.uuid) ? "acknowledged" : "unacknowledged"}`,
        )
        .join("; ")})`,
  );
  // Every accepted message: stored, delivered, and seen by the SMSC.
  for (const [i, a] of accepted) {
    const m = messages.get(a.uuid);
    assert.ok(m, `accepted message ${i} (${a.uuid}) is stored`);
    assert.equal(m.dlr_code, 1, `message ${i} delivered`);
    assert.equal(m.status_code, 100, `message ${i} transmitted`);
    assert.ok((seen.get(i) ?? 0) >= 1, `message ${i} reached the SMSC`);
  }
  assert.ok(
    orphans.length <= CONCURRENCY,
    `unacknowledged but stored messages (${orphans.length}) are at most the client's concurrency`,
  );
  for (const m of orphans) {
    assert.ok(lost.includes(markerOf(m)), `stored message ${m.uuid} was a request cut by the kill`);
    assert.ok((seen.get(markerOf(m)) ?? 0) >= 1, `unacknowledged message ${m.uuid} reached the SMSC`);
  }

  // Charged exactly once: the balance went down by the price of every stored message, no more.
  const me = await getJson(base, token, "/me");
  const charged = micros(START_BALANCE) - micros(me.body.balance_amount);
  const storedPrices = [...messages.values()].reduce((sum, m) => sum + micros(m.price), 0);
  const acceptedPrices = [...accepted.values()].reduce((sum, a) => sum + micros(a.price), 0);
  assert.equal(charged, storedPrices, "balance = start − prices of the stored messages");
  assert.equal(
    charged - acceptedPrices,
    orphans.reduce((sum, m) => sum + micros(m.price), 0),
  );

  assert.ok(
    duplicates.length <= MAX_IN_FLIGHT,
    `duplicates (${duplicates.length}) at most maxInFlight (${MAX_IN_FLIGHT})`,
  );
  assert.equal(duplicatesAfterRestart.length, 0, "no duplicates for messages accepted after the restart");

  // Nothing left in the queue once the gateway is stopped gracefully.
  await gateway.stop();
  assert.equal(await gateway.exited, 0, "graceful shutdown exits 0");
  const store = await openStore(databaseUrl);
  try {
    assert.deepEqual(await store.delivery.queueDepth(), { transactional: 0, bulk: 0 }, "no queue rows left");
  } finally {
    await store.close();
  }
});
