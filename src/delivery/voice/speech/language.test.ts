import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { detectLanguage } from "./language.js";

describe("detectLanguage", () => {
  it("recognises languages of the enum from a sentence", () => {
    assert.equal(
      detectLanguage("Hello, this message will be converted to speech and delivered as a voice call.", null),
      "EN",
    );
    assert.equal(
      detectLanguage("Guten Tag, Ihr Paket wird morgen zwischen acht und zwölf Uhr zugestellt.", null),
      "DE",
    );
    assert.equal(
      detectLanguage("Bonjour, votre colis sera livré demain entre huit heures et midi.", null),
      "FR",
    );
    assert.equal(
      detectLanguage(
        "Добрый день. Это сообщение будет преобразовано в речь и доставлено голосовым звонком.",
        null,
      ),
      "RU",
    );
    assert.equal(
      detectLanguage("Добрий день. Ваше замовлення вже в дорозі, кур'єр привезе його завтра вранці.", null),
      "UK",
    );
  });
  it("falls back to the destination's language for short texts, then English", () => {
    assert.equal(detectLanguage("Code 1234", "DE"), "DE");
    assert.equal(detectLanguage("Code 1234", "JP"), "EN");
  });
  it("ignores SSML markup when detecting", () => {
    assert.equal(
      detectLanguage(
        '<speak>Ihr Bestätigungscode lautet <break time="1s"/> bitte geben Sie ihn jetzt ein.</speak>',
        null,
      ),
      "DE",
    );
  });
});
