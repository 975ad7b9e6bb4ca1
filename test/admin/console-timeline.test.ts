/**
 * The console's message timeline after a restart: every submit attempt and webhook POST a previous
 * gateway process made is read back from the store (not from that process's memory).
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { createOperator } from "../../src/app/admin/operators.js";
import { consoleLogin } from "../helpers/console.js";
import { http, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";
import { eventually, startWebhookReceiver } from "../helpers/webhook-receiver.js";

for (const target of storeTargets) {
  describe(`console message timeline (${target.name})`, { skip: target.skip }, () => {
    const closers: (() => Promise<void>)[] = [];
    after(async () => {
      for (const close of closers.reverse()) await close();
    });

    it("lists the attempts of a message an earlier process handled", async () => {
      const dbUrl = await target.url();
      const sameStore = { ...target, url: async () => dbUrl };
      // Both processes read the OTP hash key the first one made.
      const otpKey = {
        "otp.hashKeyFile": join(mkdtempSync(join(tmpdir(), "starling-otp-key-")), "otp-hash.key"),
      };
      const hooks = await startWebhookReceiver([500]); // the first callback fails once
      closers.push(hooks.close);
      const first: TestGateway = await startTestGateway(sameStore, {
        overrides: {
          ...otpKey,
          "delivery.enabled": true,
          "delivery.simulator.enabled": true,
          "delivery.simulator.port": 0,
          "delivery.simulator.receiptDelayMs": 20,
          "delivery.pollIntervalMs": 20,
          "webhooks.enabled": true,
          "webhooks.baseDelayMs": 50,
        },
      });
      let firstStopped = false;
      closers.push(async () => {
        if (!firstStopped) await first.stop();
      });
      await first.gateway.store.webhooks.add(first.accountId, `${hooks.url}?token=secret`, Date.now());
      const sent = await http(first.url, "POST", "/sms", {
        body: { sender_id: "Starling", phone: "+491701112233", text: "timeline" },
        headers: { "X-LOX24-AUTH-TOKEN": first.token, Accept: "application/json" },
      });
      assert.equal(sent.status, 201, sent.text);
      const uuid = sent.body.uuid as string;
      // The failed POST and its successful retry of the first event, at least.
      await eventually(async () => {
        const attempts = await first.gateway.store.operator.attempts(uuid);
        return attempts.some((a) => a.kind === "webhook" && a.httpStatus === 500) &&
          attempts.some((a) => a.kind === "webhook" && a.outcome === "delivered")
          ? true
          : undefined;
      }, 20_000);
      await first.stop();
      firstStopped = true;

      const second = await startTestGateway(sameStore, { overrides: otpKey });
      closers.push(() => second.stop());
      const { password } = await createOperator(second.gateway.deps, "ops");
      const ops = await consoleLogin(second.gateway.adminUrl!, "ops", password);
      const page = await (await ops.get(`/messages/${uuid}`)).text();
      assert.match(page, /<b>submit attempt<\/b> <span class="detail">connector [^:<]+: accepted, SMSC id /);
      // Each POST with the receiver's URL without its query (?token=secret is not kept).
      assert.match(
        page,
        /<b>webhook attempt failed<\/b> <span class="detail">http:\/\/127\.0\.0\.1:\d+\/hook → HTTP 500/,
      );
      assert.match(
        page,
        /<b>webhook attempt<\/b> <span class="detail">http:\/\/127\.0\.0\.1:\d+\/hook → HTTP 200/,
      );
    });
  });
}
