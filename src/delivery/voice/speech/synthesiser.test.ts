import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { espeakProblem } from "./espeak.js";
import { Synthesiser } from "./synthesiser.js";

const skip = espeakProblem() ? "espeak-ng is not installed (apt-get install espeak-ng)" : false;

describe("speech synthesis", { skip }, () => {
  it("turns text into 8 kHz G.711 audio of a plausible length, in both laws", async () => {
    const synth = new Synthesiser();
    const speech = await synth.speech({
      messageId: "a",
      text: "Hello, this is a test call.",
      ssml: false,
      lang: "EN",
      destinationIso2: null,
    });
    assert.equal(speech.lang, "EN");
    assert.ok(speech.durationMs > 800 && speech.durationMs < 5000, `duration ${speech.durationMs} ms`);
    assert.equal(speech.PCMU.length, speech.samples.length);
    assert.equal(speech.PCMA.length, speech.samples.length);
    assert.ok(Math.abs(speech.samples.length - speech.durationMs * 8) < 8);
    const loud = speech.samples.reduce((n, s) => n + (Math.abs(s) > 1000 ? 1 : 0), 0);
    assert.ok(loud > speech.samples.length / 20, "it is speech, not silence");
  });

  it("reads SSML: a 2 s break makes the audio about 2 s longer", async () => {
    const synth = new Synthesiser();
    const plain = await synth.speech({
      messageId: "p",
      text: "<speak>Your code is ready. Please enter it now.</speak>",
      ssml: true,
      lang: "EN",
      destinationIso2: null,
    });
    const paused = await synth.speech({
      messageId: "b",
      text: '<speak>Your code is ready.<break time="2s"/>Please enter it now.</speak>',
      ssml: true,
      lang: "EN",
      destinationIso2: null,
    });
    // The break replaces the pause espeak-ng makes after a sentence anyway (~0.4 s), so it adds a little less.
    const longer = paused.durationMs - plain.durationMs;
    assert.ok(longer > 1400 && longer < 2600, `longer by ${longer} ms`);
  });

  it("synthesises a message once while its attempts last, and again after forget()", async () => {
    const synth = new Synthesiser();
    const request = {
      messageId: "m",
      text: "Guten Tag, dies ist eine Sprachnachricht für Sie.",
      ssml: false,
      lang: null,
      destinationIso2: null,
    };
    const first = await synth.speech(request);
    const second = await synth.speech(request);
    assert.equal(first, second);
    assert.equal(first.lang, "DE", "voice_lang null detects the language");
    assert.equal(synth.runs, 1);
    synth.forget("m");
    await synth.speech(request);
    assert.equal(synth.runs, 2);
  });
});

describe("espeakProblem", () => {
  it("names the package to install when the binary cannot run", () => {
    assert.match(espeakProblem("/nonexistent/espeak-ng") ?? "", /apt-get install espeak-ng/);
  });
});
