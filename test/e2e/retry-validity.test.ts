/**
 * An SMSC that refuses every submit for the time being (ESME_RTHROTTLED to each): the message is retried until
 * its validity period ends, not given up after a count of attempts, then expires and is refunded. The
 * gateway runs on a fake clock that the test moves forward; over every store (the queue keeps the schedule).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { http, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";

const VALIDITY_SECONDS = 2 * 3600;
/** Fake time per step. (The old policy, 10 attempts, ended about 4400 s in: inside the validity period.) */
const STEP_MS = 120_000;

for (const target of storeTargets) {
  describe(`retries honour the validity period (${target.name})`, { skip: target.skip }, () => {
    let gw: TestGateway;
    let now = Date.now();
    const clock = { now: () => now };
    const auth = () => ({ "X-LOX24-AUTH-TOKEN": gw.token, Accept: "application/json" });

    before(async () => {
      gw = await startTestGateway(target, {
        clock,
        overrides: {
          "delivery.enabled": true,
          "delivery.simulator.enabled": true,
          "delivery.simulator.port": 0,
          "delivery.pollIntervalMs": 20,
          "delivery.validitySeconds": VALIDITY_SECONDS,
          "delivery.queryAfterSeconds": 0,
          // The fake clock jumps minutes at a time: a lease must not lapse while an attempt is under way.
          "delivery.leaseSeconds": 24 * 3600,
        },
      });
      gw.gateway.delivery.simulator!.setScenario("throttle", { throttleEvery: 1 });
    });
    after(() => gw.stop());

    it("a message refused again and again is tried until its validity ends, then expired and refunded", async (t) => {
      const balance = async () =>
        (await http(gw.url, "GET", "/me", { headers: auth() })).body.balance_amount as number;
      const start = await balance();
      const createdAt = now;
      const res = await http(gw.url, "POST", "/sms", {
        body: { sender_id: "Starling", phone: "+491701234567", text: "refused for now" },
        headers: auth(),
      });
      assert.equal(res.status, 201, res.text);
      const sim = gw.gateway.delivery.simulator!;
      let final: { dlr_code: number; status_code: number } | undefined;
      let endedAt = 0;
      // One fake step at a time; each waits briefly (real time) for an attempt that fell due.
      for (let step = 0; step < 2 * (VALIDITY_SECONDS / (STEP_MS / 1000)) && !final; step++) {
        const seen = sim.stats.throttled;
        now += STEP_MS;
        const wait = Date.now() + 250;
        while (Date.now() < wait && sim.stats.throttled === seen) await new Promise((r) => setTimeout(r, 20));
        const m = (await http(gw.url, "GET", `/sms/${res.body.uuid}`, { headers: auth() })).body;
        if (m.dlr_code === 8) {
          final = m;
          endedAt = now;
        }
      }
      t.diagnostic(
        `${sim.stats.throttled} attempts; ended ${(endedAt - createdAt) / 1000} s after acceptance`,
      );
      assert.ok(final, `the message ended (${sim.stats.throttled} attempts so far)`);
      assert.ok(
        endedAt >= createdAt + VALIDITY_SECONDS * 1000,
        `ended ${(endedAt - createdAt) / 1000} s after acceptance, before its validity of ${VALIDITY_SECONDS} s`,
      );
      // (the number depends on how the fake minutes fall against the backoff; the old policy stopped at 10)
      assert.ok(sim.stats.throttled >= 5, `${sim.stats.throttled} attempts`);
      assert.equal(final.status_code, 0, "never accepted by the network");
      assert.equal(await balance(), start, "refunded");
    });
  });
}
