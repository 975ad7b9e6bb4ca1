import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  breakSeconds,
  checkVoiceText,
  looksLikeSsml,
  MAX_VOICE_TEXT,
  ssmlProblem,
  voiceAttempts,
  voiceCharsCount,
} from "./voice.js";

const SEED_SSML =
  '<speak>Your verification code is <say-as interpret-as="characters">A1B2C3</say-as>.<break time="1s"/>Please enter it now.</speak>';

describe("voice rules", () => {
  it("accepts the seed's SSML and refuses markup that is not well-formed or not <speak>", () => {
    assert.equal(ssmlProblem(SEED_SSML), undefined);
    assert.match(ssmlProblem("<speak>Hello <break time='1s'></speak>") ?? "", /break/);
    assert.match(ssmlProblem("<speak>a & b</speak>") ?? "", /./);
    assert.equal(ssmlProblem("<p>Hello</p>"), "the root element must be <speak>");
    assert.match(ssmlProblem('<speak><break time="20s"/><break time="11s"/></speak>') ?? "", /31 s/);
  });

  it("adds up break times in s and ms", () => {
    assert.equal(breakSeconds('<speak>a<break time="2s"/>b<break time="500ms"/>c<break/></speak>'), 3.25);
  });

  it("counts spoken characters, 2 per second of pause", () => {
    assert.equal(voiceCharsCount("Hello", false), 5);
    assert.equal(voiceCharsCount('<speak>Hi<break time="1s"/>there</speak>', true), 2 + 5 + 2);
    assert.equal(voiceCharsCount('<speak>Hi<break time="2s"/></speak>', true), 2 + 4);
  });

  it("reads a <speak> document sent as text2speech as SSML, other text as text", () => {
    assert.equal(looksLikeSsml(SEED_SSML), true);
    assert.equal(checkVoiceText(SEED_SSML, "text2speech").ssml, true);
    assert.equal(checkVoiceText("2 < 3 is true", "text2speech").ssml, false);
    assert.equal(
      checkVoiceText("<speak>broken", "text2speech").ssml,
      false,
      "broken markup under text2speech is read as text",
    );
  });

  it("names the text's problem for text2speech_ssml and for length", () => {
    assert.match(
      checkVoiceText("plain words", "text2speech_ssml").problem ?? "",
      /^This value is not valid SSML: /,
    );
    assert.equal(checkVoiceText("x".repeat(MAX_VOICE_TEXT), "text2speech").problem, undefined);
    assert.match(
      checkVoiceText("x".repeat(MAX_VOICE_TEXT + 1), "text2speech").problem ?? "",
      /1000 characters or less/,
    );
  });

  it("gives null attempts the default and keeps any count within 1..3", () => {
    assert.equal(voiceAttempts(null), 2);
    assert.equal(voiceAttempts(3), 3);
    assert.equal(voiceAttempts(7), 3);
  });
});
