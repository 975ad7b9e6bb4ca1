/**
 * An OTP's SMS end to end: through the dispatcher to the SMSC simulator as one message carrying the
 * code, and erased from the store once its final receipt arrives (the code lives in clear only in transit).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { SubmitRecord } from "../../src/delivery/simulator/index.js";
import { storeTargets } from "../helpers/stores.js";
import { mobile, type OtpGateway, startOtpGateway } from "./otp-fixture.js";

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

for (const target of storeTargets) {
  describe(`FullSMS OTP delivery (${target.name})`, { skip: target.skip }, () => {
    let gw: OtpGateway;
    const submits: SubmitRecord[] = [];
    before(async () => {
      gw = await startOtpGateway(target, {
        // Real time here: the dispatcher and receipts run on the clock too.
        start: Date.now(),
        overrides: {
          "delivery.enabled": true,
          "delivery.simulator.enabled": true,
          "delivery.simulator.port": 0,
          "delivery.simulator.receiptDelayMs": 10,
        },
      });
      gw.clock.now = () => Date.now();
      gw.gateway.delivery.simulator!.on("submit", (record) => submits.push(record));
      await gw.allowSender(gw.accountId, "Starling");
    });
    after(() => gw.stop());

    it("submits one SMS with the code to the SMSC and erases its text after the final receipt", async () => {
      const to = mobile(1);
      const res = await gw.call("POST", "/otp/create", { to_number: to, from: "Starling", brand: "Acme" });
      assert.equal(res.status, 200, res.text);
      const otp = await gw.gateway.store.otp.get(gw.accountId, res.body.otp_id);
      const code = await gw.codeOf(res.body.otp_id);

      const submit = await until("the submit_sm", () => submits.find((s) => s.destination.endsWith(to.slice(1))));
      assert.equal(submit.text, `Your Acme verification code is ${code}`);
      assert.equal(submit.source, "Starling");
      assert.equal(submit.concat, undefined, "a single part");

      const erased = await until("the text to be erased", async () => {
        const message = await gw.gateway.store.messages.get(gw.accountId, otp!.messageUuid);
        return message?.text === null ? message : undefined;
      });
      assert.equal(erased.dlrCode, 1, "delivered");
      const [row] = await gw.rawRows("messages", "uuid", otp!.messageUuid);
      assert.ok(!Object.values(row!).some((v) => String(v).includes(code)), "no trace of the code remains");

      const verified = await gw.call("POST", "/otp/verify", { otp_id: res.body.otp_id, code: Number(code) });
      assert.deepEqual(verified.body, { status: "approved" });
    });
  });
}
