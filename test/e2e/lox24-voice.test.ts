/** LOX24 voice messages on a real server, over every store: the seed's voice examples accepted, bad input refused. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setServices } from "../../src/app/manage-accounts.js";
import { http, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";
import { SEED_VOICE_SINGLE, SEED_VOICE_SSML, SEED_VOICE_TEXT } from "../helpers/voice-seeds.js";

for (const target of storeTargets) {
  describe(`LOX24 voice messages (${target.name})`, { skip: target.skip }, () => {
    let gw: TestGateway;
    const post = (body: unknown) =>
      http(gw.url, "POST", "/sms", { body, headers: { "X-LOX24-AUTH-TOKEN": gw.token } });

    before(async () => {
      gw = await startTestGateway(target);
      await setServices(gw.gateway.deps, gw.accountId, ["direct", "text2speech", "text2speech_ssml"]);
      await gw.gateway.store.voicePrices.set("US", 120_000); // 0.12 per call
      await gw.gateway.store.prices.set("US", 56_000);
    });
    after(() => gw.stop());

    it("accepts the seed's plain voice example at the voice price per call", async () => {
      const res = await post(SEED_VOICE_TEXT);
      assert.equal(res.status, 201, res.text);
      const b = res.body;
      assert.equal(b.service_code, "text2speech");
      assert.equal(b.voice_lang, "EN");
      assert.equal(b.attempts_count_max, null);
      assert.equal(b.price, 0.12);
      assert.equal(b.parts_count, 1);
      assert.equal(b.chars_count, SEED_VOICE_TEXT.text.length);
      assert.equal(b.text, SEED_VOICE_TEXT.text);
    });

    it("accepts the seed's SSML example (sent as text2speech) and counts a 1 s break as 2 characters", async () => {
      const res = await post(SEED_VOICE_SSML);
      assert.equal(res.status, 201, res.text);
      const spoken = "Your verification code is A1B2C3.Please enter it now.".length;
      assert.equal(res.body.chars_count, spoken + 2);
      assert.equal(res.body.price, 0.12, "a call costs the same whatever its length");
    });

    it("accepts the seed's single-attempt example and keeps attempts_count_max", async () => {
      const res = await post(SEED_VOICE_SINGLE);
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.attempts_count_max, 1);
    });

    it("prices a call to a country without a voice price at the default per call", async () => {
      const res = await post({ ...SEED_VOICE_TEXT, phone: "+491701234567" });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.price, 0.15);
    });

    it("refuses SSML that is not well-formed, naming text", async () => {
      const res = await post({
        ...SEED_VOICE_SSML,
        service_code: "text2speech_ssml",
        text: "<speak>Hello <break time='1s'></speak>",
      });
      assert.equal(res.status, 400);
      assert.equal(res.body.violations.length, 1);
      assert.equal(res.body.violations[0].propertyPath, "text");
      assert.match(res.body.violations[0].message, /^This value is not valid SSML: /);
    });

    it("refuses attempts_count_max outside 1..3, or on an SMS", async () => {
      const four = await post({ ...SEED_VOICE_TEXT, attempts_count_max: 4 });
      assert.equal(four.status, 400);
      assert.equal(four.body.violations[0].propertyPath, "attempts_count_max");
      const sms = await post({
        text: "Hi",
        sender_id: "Starling",
        phone: "+14155552671",
        attempts_count_max: 2,
      });
      assert.equal(sms.status, 400);
      assert.equal(sms.body.violations[0].propertyPath, "attempts_count_max");
    });

    it("refuses a voice_lang outside the enum", async () => {
      const res = await post({ ...SEED_VOICE_TEXT, voice_lang: "JA" });
      assert.equal(res.status, 400);
      assert.equal(res.body.violations[0].propertyPath, "voice_lang");
    });

    it("enforces the voice text limits (1000 characters plain, 2000 SSML)", async () => {
      const ok = await post({ ...SEED_VOICE_TEXT, text: "a".repeat(1000) });
      assert.equal(ok.status, 201, ok.text);
      const long = await post({ ...SEED_VOICE_TEXT, text: "a".repeat(1001) });
      assert.equal(long.status, 400);
      assert.equal(long.body.violations[0].propertyPath, "text");
      assert.match(long.body.violations[0].message, /1000 characters or less/);
      const ssml = await post({
        ...SEED_VOICE_TEXT,
        service_code: "text2speech_ssml",
        text: `<speak>${"a".repeat(2000)}</speak>`,
      });
      assert.equal(ssml.status, 400);
      assert.match(ssml.body.violations[0].message, /2000 characters or less/);
    });
  });
}
