/** `starling sip-simulator` on its own: listens, answers a call, logs it and writes its audio as WAV. */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { placeCall } from "../../src/delivery/voice/sip/call.js";
import { SipStack } from "../../src/delivery/voice/sip/stack.js";
import { toTelephone } from "../../src/delivery/voice/speech/g711.js";
import { readWav } from "../../src/delivery/voice/speech/wav.js";
import { eventually } from "../helpers/webhook-receiver.js";

describe("starling sip-simulator", () => {
  it("answers a call on the port it prints and records the audio it heard", async () => {
    const dir = mkdtempSync(join(tmpdir(), "starling-sipsim-"));
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "src/cli/index.ts", "sip-simulator", "--port", "0", "--record-dir", dir],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    child.stdout.on("data", (d) => (out += String(d)));
    try {
      const port = Number(await eventually(() => /127\.0\.0\.1:(\d+)/.exec(out)?.[1], 30_000));
      const stack = await SipStack.open({ address: "127.0.0.1", port: 0 });
      const audio = toTelephone({ sampleRate: 8000, samples: new Int16Array(8 * 400).fill(3000) });
      const result = await placeCall(
        stack,
        {
          host: "127.0.0.1",
          port,
          transport: "udp",
          ringTimeoutMs: 5000,
          maxCallMs: 10_000,
          codecs: ["PCMA"],
        },
        { callee: "+14155550100", caller: "+491701234567", audio },
      );
      stack.close();
      assert.equal(result.outcome, "played", result.reason);
      await eventually(
        () => /to 14155550100, .*status 200, PCMA, 400 ms of audio, ended by caller/.test(out),
        10_000,
      );
      const [file] = await eventually(() => {
        const files = readdirSync(dir);
        return files.length > 0 ? files : undefined;
      });
      const wav = readWav(readFileSync(join(dir, file!)));
      assert.equal(wav.sampleRate, 8000);
      assert.equal(wav.samples.length, 3200);
      assert.ok(Math.abs(wav.samples[100]! - 3000) < 200, `sample ${wav.samples[100]}`);
    } finally {
      child.kill("SIGTERM");
    }
  });
});
