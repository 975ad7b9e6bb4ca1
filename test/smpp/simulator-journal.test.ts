/**
 * The simulator as a real SMSC across a restart: receipts it owed are sent after it comes back, its ids go
 * on where they stopped, and query_sm answers the state of what it accepted (before and after the restart).
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, describe, test } from "node:test";
import type { ReceiptEvent } from "../../src/delivery/connector.js";
import { startSimulator } from "../../src/delivery/simulator/index.js";
import { closeAll, request, silent, startPair, track, trackUnhandled, waitFor } from "./helpers.js";

const unhandled = trackUnhandled();
afterEach(closeAll);
after(() => {
  unhandled.dispose();
  assert.deepEqual(unhandled.errors, [], "no uncaught errors or unhandled rejections");
});

const journalFile = () => join(mkdtempSync(join(tmpdir(), "starling-simjournal-")), "smsc.journal");

describe("simulator journal and query_sm", () => {
  test("receipts owed when the SMSC went down are sent after it restarts; ids are not handed out again", async () => {
    const journal = journalFile();
    const pair = await startPair({
      journal,
      scenario: "slow_receipts",
      scenarioOptions: { slowReceiptDelayMs: 1500 },
    });
    const receipts: ReceiptEvent[] = [];
    pair.connector.on("receipt", (r) => receipts.push(r));
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const result = await pair.connector.submit(request(`owed ${i}`));
      assert.ok(result.ok);
      ids.push(...result.smscIds);
    }
    const before = await pair.connector.query(ids[0]!, "Starling");
    assert.deepEqual(before, { kind: "state", state: "ENROUTE" });
    const port = pair.sim.port;
    await pair.sim.close(); // the receipts were not yet due: nothing was sent
    assert.equal(pair.sim.stats.receiptsSent, 0);

    const restarted = track(await startSimulator({ port, journal, logger: silent, receiptDelayMs: 5 }));
    await waitFor(() => receipts.length === 3, 15_000, "the owed receipts after the restart");
    assert.deepEqual(receipts.map((r) => r.smscId).sort(), [...ids].sort());
    assert.ok(receipts.every((r) => r.state === "DELIVRD"));

    const next = await pair.connector.submit(request("after the restart"));
    assert.ok(next.ok);
    assert.ok(!ids.includes(next.smscIds[0]!), `new id ${next.smscIds[0]} differs from ${ids.join(", ")}`);
    const answered = await pair.connector.query(ids[1]!, "Starling");
    assert.deepEqual(answered, { kind: "state", state: "DELIVRD" });
    assert.equal((await pair.connector.query("DEADBEEF", "Starling")).kind, "unknown");

    // Acknowledged receipts are not owed any more: a second restart sends none again.
    await waitFor(() => restarted.stats.receiptsAcknowledged === 4, 5000, "every receipt acknowledged");
    await restarted.close();
    const again = track(await startSimulator({ port, journal, logger: silent, receiptDelayMs: 5 }));
    await waitFor(() => again.stats.binds > 0, 15_000, "the connector binding again");
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(again.stats.receiptsSent, 0, "nothing owed twice");
    assert.equal((await pair.connector.query(ids[2]!, "Starling")).kind, "state");
  });

  test("query_sm without a journal: the state now, failures for unknown ids", async () => {
    const pair = await startPair({ scenario: "reject", scenarioOptions: { rejectAt: "receipt" } });
    const result = await pair.connector.submit(request("to be rejected"));
    assert.ok(result.ok);
    await waitFor(() => pair.sim.stats.receiptsSent === 1, 5000, "the receipt");
    const answered = await pair.connector.query(result.smscIds[0]!, "Starling");
    assert.deepEqual(answered, { kind: "state", state: "UNDELIV", errorCode: 1 });
    assert.equal((await pair.connector.query("12345", "Starling")).kind, "unknown");
  });
});
