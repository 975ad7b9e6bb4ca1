/** The voice connector's own rules, against the SIP endpoint simulator: lines per trunk and the speech cache. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pino } from "pino";
import type { SubmitRequest } from "../connector.js";
import { voiceSettingsSchema } from "./config.js";
import { VoiceConnector } from "./connector.js";
import { startSipSimulator } from "./simulator/endpoint.js";
import { espeakProblem } from "./speech/espeak.js";

const skip = espeakProblem() ? "espeak-ng is not installed (apt-get install espeak-ng)" : false;
const request = (messageId: string, destination: string): SubmitRequest => ({
  messageId,
  source: "+491701234567",
  destination,
  encoding: "ucs2",
  parts: ["Short call."],
  registeredDelivery: true,
  voice: { text: "Short call.", ssml: false, lang: "EN", destinationIso2: "US" },
});

describe("VoiceConnector", { skip }, () => {
  it("places no more calls at once than maxConcurrentCalls", async () => {
    const sim = await startSipSimulator({ port: 0, ringMs: 10 });
    const connector = new VoiceConnector(
      voiceSettingsSchema.parse({ id: "one-line", host: sim.host, port: sim.port, maxConcurrentCalls: 1 }),
      pino({ level: "silent" }),
    );
    await connector.start();
    try {
      const receipts: string[] = [];
      connector.on("receipt", (r) => receipts.push(r.smscId));
      const results = await Promise.all([
        connector.submit(request("m1", "+14155550001")),
        connector.submit(request("m2", "+14155550002")),
      ]);
      assert.ok(results.every((r) => r.ok));
      while (receipts.length < 2) await new Promise((r) => setTimeout(r, 20));
      const [first, second] = [...sim.calls].sort((a, b) => a.answeredAt! - b.answeredAt!);
      assert.ok(
        second!.answeredAt! >= first!.endedAt!,
        "the second call was answered only after the first ended",
      );
    } finally {
      await connector.stop();
      await sim.close();
    }
  });

  it("synthesises a message once across its busy attempts", async () => {
    const sim = await startSipSimulator({ port: 0, ringMs: 10 });
    const connector = new VoiceConnector(
      voiceSettingsSchema.parse({ id: "cache", host: sim.host, port: sim.port }),
      pino({ level: "silent" }),
    );
    await connector.start();
    try {
      sim.queue("busy", "busy");
      const busy = await connector.submit(request("m3", "+14155550003"));
      assert.equal(!busy.ok && busy.kind, "unanswered");
      await connector.submit(request("m3", "+14155550003"));
      const answered = await connector.submit(request("m3", "+14155550003"));
      assert.ok(answered.ok);
      const synth = (connector as unknown as { synth: { runs: number } }).synth;
      assert.equal(synth.runs, 1);
    } finally {
      await connector.stop();
      await sim.close();
    }
  });
});
