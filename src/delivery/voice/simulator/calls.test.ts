/** The SIP user agent against the built-in endpoint simulator: every scenario, over UDP and TCP, with digest auth. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { placeCall, type Trunk } from "../sip/call.js";
import { SipStack } from "../sip/stack.js";
import { toTelephone } from "../speech/g711.js";
import { type SipSimulator, startSipSimulator } from "./endpoint.js";
import { receivedAudio, receivedMs } from "./recording.js";

/** One second of a 440 Hz tone: audio whose content the test can check after G.711 both ways. */
function tone(ms: number) {
  const samples = new Int16Array(8 * ms);
  for (let i = 0; i < samples.length; i++)
    samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000));
  return toTelephone({ sampleRate: 8000, samples });
}

describe("SIP calls against the endpoint simulator", () => {
  let sim: SipSimulator;
  let stack: SipStack;
  const audio = tone(1000);
  const trunk = (over: Partial<Trunk> = {}): Trunk => ({
    host: sim.host,
    port: sim.port,
    transport: "udp",
    username: "starling",
    password: "s3cret",
    ringTimeoutMs: 1500,
    maxCallMs: 30_000,
    codecs: ["PCMU", "PCMA"],
    ...over,
  });
  const call = (over: Partial<Trunk> = {}) =>
    placeCall(stack, trunk(over), { callee: "+14155552671", caller: "+491701234567", audio });

  before(async () => {
    sim = await startSipSimulator({
      port: 0,
      ringMs: 50,
      hangUpAfterMs: 300,
      auth: { username: "starling", password: "s3cret" },
    });
    stack = await SipStack.open({ address: "127.0.0.1", port: 0 });
  });
  after(async () => {
    stack.close();
    await sim.close();
  });

  for (const transport of ["udp", "tcp"] as const) {
    it(`answers, authenticates and plays the whole message (${transport})`, async () => {
      sim.queue("answer");
      const ended = sim.nextCall();
      const result = await call({ transport });
      const record = await ended;
      assert.equal(result.outcome, "played", result.reason);
      assert.equal(result.codec, "PCMU");
      assert.equal(result.packetsSent, 50);
      assert.equal(record.endedBy, "caller", "we sent the BYE");
      assert.equal(record.callee, "14155552671");
      assert.equal(receivedMs(record), 1000);
      const heard = receivedAudio(record);
      // G.711 is lossy but close: the tone comes back within a few percent of full scale.
      let error = 0;
      for (let i = 0; i < heard.length; i++) error = Math.max(error, Math.abs(heard[i]! - audio.samples[i]!));
      assert.ok(error < 400, `max sample error ${error}`);
    });
  }

  it("offers PCMA first when configured so, and the endpoint takes it", async () => {
    sim.queue("answer");
    const ended = sim.nextCall();
    const result = await call({ codecs: ["PCMA", "PCMU"] });
    assert.equal(result.codec, "PCMA");
    assert.equal((await ended).codec, "PCMA");
  });

  it("maps busy, unknown number and trunk trouble", async () => {
    sim.queue("busy", "reject", "unavailable");
    assert.equal((await call()).outcome, "busy");
    assert.equal((await call()).outcome, "invalid_number");
    assert.equal((await call()).outcome, "trunk_down");
  });

  it("cancels a call that rings longer than the ringing timeout", async () => {
    sim.queue("no-answer");
    const ended = sim.nextCall();
    const result = await call({ ringTimeoutMs: 300 });
    assert.equal(result.outcome, "no_answer");
    assert.equal(result.status, 487);
    assert.equal((await ended).status, 487, "the endpoint saw our CANCEL");
  });

  it("stops the stream when the far end hangs up first", async () => {
    sim.queue("hang-up-early");
    const result = await call();
    assert.equal(result.outcome, "hung_up_early");
    assert.ok(result.packetsSent > 0 && result.packetsSent < 50, `${result.packetsSent} packets`);
  });

  it("reports wrong credentials as the trunk's problem", async () => {
    sim.queue("answer");
    const result = await call({ password: "wrong" });
    assert.equal(result.outcome, "trunk_down");
    assert.equal(result.status, 401);
  });

  it("reports an unreachable trunk as down", async () => {
    const closed = await SipStack.open({ address: "127.0.0.1", port: 0 });
    const port = closed.port;
    closed.close();
    const result = await call({ port, transport: "tcp" });
    assert.equal(result.outcome, "trunk_down");
  });
});
