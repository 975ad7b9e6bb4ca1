/**
 * A claimed message can wait in the connector (pacer, window) for longer than its lease: under SMSC
 * throttling the pace drops to a few per second while up to maxInFlight messages are claimed. Its lease
 * must not lapse while the claiming dispatcher still holds it, or the queue hands it out again (to the same
 * dispatcher, or to another process on PostgreSQL) and it is submitted twice in normal operation.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";
import { freePort, getJson, pollUntil, postSms } from "./helpers.js";

const running = new Set<TestGateway>();
after(async () => {
  for (const gw of running) await gw.stop().catch(() => {});
});

for (const target of storeTargets) {
  describe(`leases (${target.name})`, { skip: target.skip, timeout: 60_000 }, () => {
    test("a message waiting in the connector longer than its lease is submitted once", async () => {
      const simPort = await freePort();
      const gw = await startTestGateway(target, {
        overrides: {
          "delivery.enabled": true,
          "delivery.simulator.enabled": true,
          "delivery.simulator.port": simPort,
          "delivery.simulator.receiptDelayMs": 20,
          "delivery.pollIntervalMs": 20,
          "delivery.leaseSeconds": 1,
          // 2 submits per second: the 10th message waits ~5 s in the pacer, five leases long.
          "delivery.connectors": [
            {
              id: "slow",
              host: "127.0.0.1",
              port: simPort,
              systemId: "starling",
              password: "x",
              throughputPerSecond: 2,
            },
          ],
        },
      });
      running.add(gw);
      const sim = gw.gateway.delivery.simulator!;
      assert.ok(await pollUntil(() => gw.gateway.delivery.connectors.get("slow")!.isUp(), 5000, 20), "bound");

      const sent = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          postSms(gw.url, gw.token, {
            sender_id: "Starling",
            phone: "+4915112345678",
            text: `lease LS${i}X`,
          }),
        ),
      );
      for (const r of sent) assert.equal(r.status, 201);
      const delivered = await pollUntil(
        async () => {
          const all = await Promise.all(
            sent.map(async (r) => (await getJson(gw.url, gw.token, `/sms/${r.body.uuid}`)).body),
          );
          return all.every((m) => m.dlr_code === 1);
        },
        30_000,
        100,
      );
      assert.ok(delivered, "all delivered");
      // Let any second claim reach the SMSC before counting.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const seen = new Map<string, number>();
      for (const m of sim.stats.messages) seen.set(m.text, (seen.get(m.text) ?? 0) + 1);
      const twice = [...seen.entries()].filter(([, n]) => n > 1).map(([text, n]) => `${text} ×${n}`);
      assert.deepEqual(
        twice,
        [],
        `no message submitted twice (dispatcher claimed ${gw.gateway.dispatcher!.stats.claimed} times for 10 messages)`,
      );
      await gw.stop();
    });
  });
}
