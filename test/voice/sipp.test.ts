/**
 * The SIP user agent against SIPp, a SIP implementation the team did not write, as the callee: its built-in
 * UAS scenario and our scenario files for a busy line, a phone nobody answers and a trunk demanding digest auth.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { placeCall, type Trunk } from "../../src/delivery/voice/sip/call.js";
import { SipStack } from "../../src/delivery/voice/sip/stack.js";
import { toTelephone } from "../../src/delivery/voice/speech/g711.js";
import { scenarioFile, sippMissing, startSipp } from "./sipp.js";

const audio = toTelephone({ sampleRate: 8000, samples: new Int16Array(8 * 600).fill(1000) });

describe("calls to SIPp", { skip: sippMissing }, () => {
  let stack: SipStack;
  before(async () => {
    stack = await SipStack.open({ address: "127.0.0.1", port: 0 });
  });
  after(() => stack.close());

  const trunk = (port: number, over: Partial<Trunk> = {}): Trunk => ({
    host: "127.0.0.1",
    port,
    transport: "udp",
    ringTimeoutMs: 5000,
    maxCallMs: 30_000,
    codecs: ["PCMU", "PCMA"],
    ...over,
  });
  const call = (t: Trunk) => placeCall(stack, t, { callee: "+14155552671", caller: "+491701234567", audio });

  for (const transport of ["udp", "tcp"] as const) {
    it(`plays the message to SIPp's built-in UAS and hangs up (${transport})`, async () => {
      const sipp = await startSipp(["-sn", "uas"], transport);
      const result = await call(trunk(sipp.port, { transport }));
      assert.equal(result.outcome, "played", result.reason);
      assert.equal(result.codec, "PCMU");
      assert.equal(result.packetsSent, 30);
      const { code, output } = await sipp.exited;
      assert.equal(code, 0, output);
    });
  }

  it("answers SIPp's digest challenge and plays with the codec SIPp prefers", async () => {
    const sipp = await startSipp(["-sf", scenarioFile("auth-answer")]);
    const result = await call(trunk(sipp.port, { username: "starling", password: "s3cret" }));
    assert.equal(result.outcome, "played", result.reason);
    assert.equal(result.codec, "PCMA");
    const { code, output } = await sipp.exited;
    assert.equal(code, 0, output);
  });

  it("is refused by SIPp with a wrong password", async () => {
    const sipp = await startSipp(["-sf", scenarioFile("auth-answer")]);
    const result = await call(trunk(sipp.port, { username: "starling", password: "wrong" }));
    assert.equal(result.outcome, "rejected");
    assert.equal(result.status, 403);
    await sipp.exited;
  });

  it("maps SIPp's 486 to busy and acknowledges it", async () => {
    const sipp = await startSipp(["-sf", scenarioFile("busy")]);
    const result = await call(trunk(sipp.port));
    assert.equal(result.outcome, "busy");
    const { code, output } = await sipp.exited;
    assert.equal(code, 0, output);
  });

  it("cancels when SIPp rings past the ringing timeout", async () => {
    const sipp = await startSipp(["-sf", scenarioFile("no-answer")]);
    // Long enough that a loaded machine still sees the 180 before the ringing timeout (else: trunk down).
    const result = await call(trunk(sipp.port, { ringTimeoutMs: 2000 }));
    assert.equal(result.outcome, "no_answer");
    assert.equal(result.status, 487);
    const { code, output } = await sipp.exited;
    assert.equal(code, 0, output);
  });
});
