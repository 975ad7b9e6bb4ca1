/**
 * Memory under bursts (issue 17 item 6): the embedded SMSC simulator kept a record (text and ids, ~1 KB of
 * heap) of each of the first 100,000 messages for the life of the process — most of what two bursts of
 * 200 connections grew the gateway by. It now keeps `delivery.simulator.maxRecords` (1,000) and counts the
 * rest. bench/memory-bursts.ts measures RSS.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config.js";
import { http, startTestGateway } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";

const sqlite = storeTargets.find((t) => t.name === "sqlite")!;

describe("the embedded simulator's records are bounded", () => {
  it("keeps at most delivery.simulator.maxRecords records (1,000 by default) and counts every message", async () => {
    assert.equal(loadConfig({}).delivery.simulator.maxRecords, 1000);
    const gw = await startTestGateway(sqlite, {
      overrides: {
        "delivery.enabled": true,
        "delivery.simulator.enabled": true,
        "delivery.simulator.port": 0,
        "delivery.simulator.receiptDelayMs": 10,
        "delivery.simulator.maxRecords": 3,
      },
    });
    try {
      for (let i = 0; i < 6; i++) {
        const res = await http(gw.url, "POST", "/sms", {
          body: { text: `burst ${i}`, sender_id: "Starling", phone: "+14155552671" },
          headers: { "X-LOX24-AUTH-TOKEN": gw.token },
        });
        assert.equal(res.status, 201);
      }
      const sim = gw.gateway.delivery.simulator!;
      const deadline = Date.now() + 20_000;
      while (sim.stats.accepted < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(sim.stats.accepted, 6);
      assert.equal(sim.stats.messages.length, 3);
      assert.equal(sim.stats.submits.length, 3);
    } finally {
      await gw.stop();
    }
  });
});
