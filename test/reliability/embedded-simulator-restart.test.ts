/**
 * The default setup (the gateway with its own in-process SMSC simulator) killed with SIGKILL while receipts
 * are still owed: like a real SMSC, the simulator must come back knowing what it accepted and send the
 * receipts it owed, or those messages stay en route (dlr_code 4) until their validity period ends.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import {
  countByDlr,
  createAccountAndKey,
  freePort,
  killAllGateways,
  pollUntil,
  postSms,
  spawnGateway,
  tempDir,
  writeConfig,
} from "./helpers.js";

const MESSAGES = 20;

after(killAllGateways);

test("SIGKILL with receipts owed by the embedded simulator: after the restart every message is delivered", {
  timeout: 90_000,
}, async (t) => {
  const dir = tempDir("embedded-sim");
  const databaseUrl = `sqlite:${join(dir, "starling.db")}`;
  const { token } = await createAccountAndKey(databaseUrl, 1000);
  const port = await freePort();
  const simulatorPort = await freePort();
  const configFile = writeConfig(dir, "config.json", {
    server: { host: "127.0.0.1", port },
    database: { url: databaseUrl },
    log: { level: "warn" },
    demo: { enabled: false },
    webhooks: { enabled: false },
    delivery: {
      enabled: true,
      // Receipts come 4 s after acceptance: the kill lands while all of them are owed.
      simulator: { enabled: true, port: simulatorPort, receiptDelayMs: 4000 },
      pollIntervalMs: 20,
      // Asking the SMSC is the other way back; this test is about what the simulator itself keeps.
      queryAfterSeconds: 0,
    },
  });
  const start = (label: string) => spawnGateway({ label, configFile, port });

  const first = await start("first");
  for (let i = 0; i < MESSAGES; i++) {
    const res = await postSms(first.url, token, {
      sender_id: "Starling",
      phone: "+4915112345678",
      text: `owed ${i}`,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  }
  const allEnRoute = await pollUntil(
    async () => (await countByDlr(first.url, token, 4)) === MESSAGES,
    20_000,
  );
  assert.ok(allEnRoute, `every message submitted before the kill\n${first.output()}`);
  assert.equal(await countByDlr(first.url, token, 1), 0, "no receipt came before the kill");
  await first.crash();

  const restarted = await start("restarted");
  const delivered = await pollUntil(
    async () => (await countByDlr(restarted.url, token, 1)) === MESSAGES,
    30_000,
    200,
  );
  const stuck = await countByDlr(restarted.url, token, 4);
  t.diagnostic(`after the restart: ${MESSAGES - stuck} of ${MESSAGES} delivered`);
  assert.ok(
    delivered,
    `all ${MESSAGES} delivered after the restart; ${stuck} still en route\n${restarted.output()}`,
  );

  // A message accepted after the restart gets an id of its own (no receipt of an old one matches it).
  const after = await postSms(restarted.url, token, {
    sender_id: "Starling",
    phone: "+4915112345678",
    text: "after",
  });
  assert.equal(after.status, 201);
  const all = await pollUntil(
    async () => (await countByDlr(restarted.url, token, 1)) === MESSAGES + 1,
    20_000,
    200,
  );
  assert.ok(all, "the message sent after the restart is delivered too");
  await restarted.stop();
});
