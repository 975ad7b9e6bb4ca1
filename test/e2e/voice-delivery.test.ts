/**
 * The seed's voice examples end to end, over every store: accepted over the LOX24 API, synthesised by
 * espeak-ng, called through the built-in SIP endpoint simulator, the received RTP decoded and measured,
 * status and webhooks as for an SMS; busy calls retried up to attempts_count_max, then refunded.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setServices } from "../../src/app/manage-accounts.js";
import type { SipSimulator } from "../../src/delivery/voice/simulator/endpoint.js";
import { orderedPayload, receivedAudio, receivedMs } from "../../src/delivery/voice/simulator/recording.js";
import { espeakProblem } from "../../src/delivery/voice/speech/espeak.js";
import { Synthesiser } from "../../src/delivery/voice/speech/synthesiser.js";
import { http, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";
import { eventually, startWebhookReceiver } from "../helpers/webhook-receiver.js";
import { SEED_VOICE_SINGLE, SEED_VOICE_SSML, SEED_VOICE_TEXT } from "../helpers/voice-seeds.js";

const noSpeech = espeakProblem() ? "espeak-ng is not installed (apt-get install espeak-ng)" : false;

for (const target of storeTargets) {
  describe(`voice delivery through the SIP simulator (${target.name})`, {
    skip: target.skip || noSpeech,
  }, () => {
    let gw: TestGateway;
    let sim: SipSimulator;
    let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
    const auth = () => ({ "X-LOX24-AUTH-TOKEN": gw.token, Accept: "application/json" });
    const get = async (uuid: string) => (await http(gw.url, "GET", `/sms/${uuid}`, { headers: auth() })).body;
    const send = async (body: Record<string, unknown>) => {
      const res = await http(gw.url, "POST", "/sms", { body, headers: auth() });
      assert.equal(res.status, 201, res.text);
      return res.body;
    };
    const settled = (uuid: string) =>
      eventually(async () => {
        const m = await get(uuid);
        return [1, 8, 16].includes(m.dlr_code) ? m : undefined;
      }, 60_000);
    const balance = async () => (await gw.gateway.store.accounts.get(gw.accountId))!.balanceMicros;

    before(async () => {
      hooks = await startWebhookReceiver();
      gw = await startTestGateway(target, {
        overrides: {
          "delivery.enabled": true,
          "delivery.pollIntervalMs": 20,
          "delivery.voice.simulator.enabled": true,
          "delivery.voice.simulator.port": 0,
          "delivery.voice.simulator.ringTimeoutSeconds": 2,
          "delivery.voice.retryPauseSeconds": 1,
          "webhooks.enabled": true,
          "webhooks.baseDelayMs": 50,
        },
      });
      sim = gw.gateway.delivery.sipSimulator!;
      await setServices(gw.gateway.deps, gw.accountId, ["direct", "text2speech", "text2speech_ssml"]);
      await gw.gateway.store.voicePrices.set("US", 120_000);
      await gw.gateway.store.webhooks.add(gw.accountId, hooks.url, Date.now());
    });
    after(async () => {
      await gw.stop();
      await hooks.close();
    });

    it("calls the number with the seed's text2speech example and plays the spoken text: delivered, webhooks sent", async () => {
      const call = sim.nextCall((c) => c.callee === "14155552671", 60_000);
      const sent = await send({ ...SEED_VOICE_TEXT, callback_data: "voice-1" });
      const record = await call;
      const m = await settled(sent.uuid);
      assert.equal(m.dlr_code, 1);
      assert.equal(m.status_code, 100);
      assert.equal(m.is_sent, true);
      assert.equal(record.status, 200);
      assert.equal(record.endedBy, "caller", "Starling hung up when the message ended");
      assert.equal(record.caller, "+491701234567");
      // The audio that arrived is the audio espeak-ng makes of this text (to the 20 ms of the last packet).
      const expected = await new Synthesiser().speech({
        messageId: "x",
        text: SEED_VOICE_TEXT.text,
        ssml: false,
        lang: "EN",
        destinationIso2: "US",
      });
      const heard = receivedMs(record);
      assert.ok(
        Math.abs(heard - expected.durationMs) <= 20,
        `heard ${heard} ms, synthesised ${expected.durationMs} ms`,
      );
      const samples = receivedAudio(record);
      const loud = samples.reduce((n, s) => n + (Math.abs(s) > 1000 ? 1 : 0), 0);
      assert.ok(loud > samples.length / 20, "speech, not silence");
      // And it is this text's speech: sample for sample the G.711 of what espeak-ng says for it.
      const spoken = record.codec === "PCMA" ? expected.PCMA : expected.PCMU;
      const payload = orderedPayload(record);
      let same = 0;
      for (let i = 0; i < spoken.length; i++) if (payload[i] === spoken[i]) same++;
      assert.ok(same / spoken.length > 0.99, `${same} of ${spoken.length} bytes as synthesised`);
      const events = await eventually(() => {
        const mine = hooks.received.filter((h) => h.body.data.id === sent.uuid);
        return mine.some((h) => h.body.data.dlr_code === 1) ? mine : undefined;
      });
      assert.ok(
        events.every((e) => e.body.name === "sms.delivery" && e.body.data.callback_data === "voice-1"),
      );
      assert.deepEqual([...new Set(events.map((e) => e.body.data.dlr_code))].sort(), [1, 4]);
    });

    it("plays the seed's SSML example, and a 2 s break makes the call measurably longer", async () => {
      const plainCall = sim.nextCall((c) => c.callee === "14155552672", 60_000);
      await send({
        ...SEED_VOICE_SSML,
        phone: "+14155552672",
        text: SEED_VOICE_SSML.text.replace('<break time="1s"/>', " "),
      });
      const pausedCall = sim.nextCall((c) => c.callee === "14155552673", 60_000);
      const paused = await send({
        ...SEED_VOICE_SSML,
        phone: "+14155552673",
        text: SEED_VOICE_SSML.text.replace('time="1s"', 'time="2s"'),
      });
      const [plain, withBreak] = [receivedMs(await plainCall), receivedMs(await pausedCall)];
      assert.ok(withBreak - plain > 1400, `with the break ${withBreak} ms, without ${plain} ms`);
      assert.equal((await settled(paused.uuid)).dlr_code, 1);
    });

    it("retries busy, busy, answer with attempts_count_max 3: delivered on the third call", async () => {
      sim.queue("busy", "busy", "answer");
      const before = await balance();
      const sent = await send({ ...SEED_VOICE_TEXT, phone: "+14155552674", attempts_count_max: 3 });
      const m = await settled(sent.uuid);
      assert.equal(m.dlr_code, 1);
      const calls = sim.calls.filter((c) => c.callee === "14155552674").map((c) => c.status);
      assert.deepEqual(calls, [486, 486, 200]);
      assert.equal(await balance(), before - 120_000, "one call paid");
    });

    it("gives up after attempts_count_max busy calls: not delivered, status 2000, refunded", async () => {
      sim.queue("busy", "busy", "busy");
      const before = await balance();
      const sent = await send({ ...SEED_VOICE_TEXT, phone: "+14155552675", attempts_count_max: 3 });
      const m = await settled(sent.uuid);
      assert.equal(m.dlr_code, 16);
      assert.equal(m.status_code, 2000);
      assert.equal(sim.calls.filter((c) => c.callee === "14155552675").length, 3);
      assert.equal(await balance(), before, "refunded");
      await eventually(() =>
        hooks.received.some((h) => h.body.data.id === sent.uuid && h.body.data.dlr_code === 16),
      );
    });

    it("makes a single call for the seed's attempts_count_max 1 example", async () => {
      sim.queue("no-answer");
      const sent = await send({ ...SEED_VOICE_SINGLE, phone: "+14155552676" });
      // The simulator's no-answer rings until the connector's ringing timeout (2 s here) cancels the call.
      const m = await settled(sent.uuid);
      assert.equal(m.dlr_code, 16);
      assert.equal(sim.calls.filter((c) => c.callee === "14155552676").length, 1);
    });

    it("rejects an unknown number at once, refunded", async () => {
      sim.queue("reject");
      const before = await balance();
      const sent = await send({ ...SEED_VOICE_TEXT, phone: "+14155552677" });
      const m = await settled(sent.uuid);
      assert.equal(m.dlr_code, 16);
      assert.equal(m.status_code, 208);
      assert.equal(await balance(), before);
    });

    it("marks a call the callee hung up early as not delivered, not refunded", async () => {
      sim.queue("hang-up-early");
      const before = await balance();
      const sent = await send({ ...SEED_VOICE_TEXT, phone: "+14155552678" });
      const m = await settled(sent.uuid);
      assert.equal(m.dlr_code, 16);
      assert.equal(m.status_code, 100);
      assert.equal(await balance(), before - 120_000);
    });

    it("still sends SMS as SMS: no SMS connector here, so an SMS finds no route", async () => {
      const sent = await send({ text: "plain SMS", sender_id: "Starling", phone: "+14155552679" });
      const m = await eventually(async () => {
        const x = await get(sent.uuid);
        return x.status_code !== 0 ? x : undefined;
      });
      assert.equal(m.status_code, 5000);
      assert.equal(sim.calls.filter((c) => c.callee === "14155552679").length, 0, "never called");
    });
  });
}
