import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SegmentedMessage } from "sms-segments-calculator";
import * as encoding from "./index.js";
import { encodeText, gsm7Length, isGsm7, MAX_PARTS } from "./index.js";

describe("public API", () => {
  it("exports the agreed names", () => {
    for (const name of [
      "encodeText",
      "isGsm7",
      "gsm7Length",
      "transliterate",
      "toGsm7Septets",
      "fromGsm7Septets",
      "packSeptets",
      "unpackSeptets",
      "toUcs2",
      "fromUcs2",
    ]) {
      assert.equal(typeof (encoding as Record<string, unknown>)[name], "function", name);
    }
    assert.equal(MAX_PARTS, 10);
  });
});

describe("encodeText: LOX24 seed examples", () => {
  it("basic message: GSM, 34 characters, 1 part", () => {
    const result = encodeText("Hello! This is a test SMS message.");
    assert.equal(result.encoding, "gsm7");
    assert.equal(result.charsCount, 34);
    assert.equal(result.units, 34);
    assert.deepEqual(result.parts, ["Hello! This is a test SMS message."]);
    assert.equal(result.transliterated, false);
  });

  it("message with text deletion: 79 characters, 1 part", () => {
    const result = encodeText(
      "Your verification code is: 123456. This message will be deleted after delivery.",
    );
    assert.equal(result.charsCount, 79);
    assert.equal(result.encoding, "gsm7");
    assert.equal(result.parts.length, 1);
  });

  it("transliterated message (English request): ´→', Háns→Hans, –→-, André kept, 2 parts", () => {
    const input =
      "Not all special characters are included in the GSM character set, e.g. only the correct apostrophe: " +
      "Anna's car works, but not Max´s house. Some accents work: André, but not all: Háns. " +
      "Normal hyphens - work, but not longer ones: –";
    const result = encodeText(input, false);
    assert.equal(
      result.text,
      "Not all special characters are included in the GSM character set, e.g. only the correct apostrophe: " +
        "Anna's car works, but not Max's house. Some accents work: André, but not all: Hans. " +
        "Normal hyphens - work, but not longer ones: -",
    );
    assert.equal(result.encoding, "gsm7");
    assert.equal(result.transliterated, true);
    assert.equal(result.charsCount, 229);
    assert.equal(result.parts.length, 2);
    assert.equal(result.parts.join(""), result.text);
  });

  it("transliterated message (German response): exact text, 248 characters, 2 parts", () => {
    const input =
      "Nicht alle Sonderzeichen sind im GSM Zeichensatz enthalten, z.B. nur das richtige Apostroph: " +
      "Anna's Auto geht, aber nicht Max´s Haus. Akzente gehen teilweise: André, jedoch nicht alle: Háns. " +
      "Normale Bindestriche - gehen, nicht allerdings längere: –";
    const result = encodeText(input, false);
    assert.equal(
      result.text,
      "Nicht alle Sonderzeichen sind im GSM Zeichensatz enthalten, z.B. nur das richtige Apostroph: " +
        "Anna's Auto geht, aber nicht Max's Haus. Akzente gehen teilweise: André, jedoch nicht alle: Hans. " +
        "Normale Bindestriche - gehen, nicht allerdings längere: -",
    );
    assert.equal(result.encoding, "gsm7");
    assert.equal(result.charsCount, 248);
    assert.equal(result.units, 248);
    assert.equal(result.parts.length, 2);
    assert.deepEqual(
      result.parts.map((p) => gsm7Length(p)),
      [153, 95],
    );
    assert.equal(result.transliterated, true);
  });

  it("Unicode message (emoji, Chinese, Arabic) with is_unicode true: UCS-2, emoji counted 2 units", () => {
    const text =
      "\ud83c\udf89 Welcome! ¡Bienvenidos! \u6b22\u8fce\u5149\u4e34! \u0645\u0631\u062d\u0628\u0627 \u0628\u0643\u0645!";
    const result = encodeText(text, true);
    assert.equal(result.encoding, "ucs2");
    assert.equal(result.text, text);
    assert.equal(result.charsCount, 41);
    assert.equal(result.units, 42);
    assert.equal(result.units, result.charsCount + 1);
    assert.deepEqual(result.parts, [text]);
    assert.equal(result.transliterated, false);
    assert.equal(encodeText(text).encoding, "ucs2");
  });
});

describe("encodeText: choosing the encoding", () => {
  it("is_unicode true forces UCS-2 even for pure GSM text", () => {
    const result = encodeText("Hello {world} €", true);
    assert.equal(result.encoding, "ucs2");
    assert.equal(result.units, 15);
    assert.equal(result.text, "Hello {world} €");
    assert.equal(encodeText("a".repeat(71), true).parts.length, 2);
    assert.equal(encodeText("a".repeat(71), null).parts.length, 1);
  });

  it("detection keeps GSM for extension characters such as €", () => {
    for (const isUnicode of [null, undefined]) {
      const result = encodeText("Only 5€ today", isUnicode);
      assert.equal(result.encoding, "gsm7");
      assert.equal(result.charsCount, 13);
      assert.equal(result.units, 14);
    }
  });

  it("detection goes UCS-2 for a character GSM lacks, text untouched", () => {
    const result = encodeText("Łódź", null);
    assert.equal(result.encoding, "ucs2");
    assert.equal(result.text, "Łódź");
    assert.equal(result.transliterated, false);
    assert.equal(encodeText("ł").encoding, "ucs2");
  });

  it("detection sees decomposed accents as the GSM characters they compose to", () => {
    const result = encodeText("Andre\u0301");
    assert.equal(result.encoding, "gsm7");
    assert.equal(result.text, "André");
    assert.equal(result.charsCount, 5);
    assert.equal(result.transliterated, false);
  });

  it("is_unicode false on GSM text changes nothing", () => {
    const result = encodeText("Grüße, Señor! {ok} €5", false);
    assert.equal(result.text, "Grüße, Señor! {ok} €5");
    assert.equal(result.transliterated, false);
    assert.equal(result.units, 24);
  });

  it("is_unicode false makes an emoji a single ?", () => {
    const result = encodeText("Hi 👨‍👩‍👧 😀", false);
    assert.equal(result.text, "Hi ? ?");
    assert.equal(result.encoding, "gsm7");
    assert.equal(result.transliterated, true);
    assert.ok(isGsm7(result.text));
  });
});

describe("encodeText: counts and parts", () => {
  it("counts code points as characters and UTF-16 units for UCS-2", () => {
    const result = encodeText("😀ab", null);
    assert.equal(result.charsCount, 3);
    assert.equal(result.units, 4);
  });

  it("reaches 10 parts at 1530 GSM septets and 670 UCS-2 units, and does not cap beyond", () => {
    assert.equal(encodeText("x".repeat(1530)).parts.length, MAX_PARTS);
    assert.equal(encodeText("ж".repeat(670)).parts.length, MAX_PARTS);
    assert.equal(encodeText("x".repeat(1531)).parts.length, 11);
    assert.equal(encodeText("ж".repeat(671)).parts.length, 11);
  });

  it("agrees with sms-segments-calculator on part counts of the seed examples", () => {
    const texts = [
      "Hello! This is a test SMS message.",
      "Your verification code is: 123456. This message will be deleted after delivery.",
      "🎉 Welcome! ¡Bienvenidos! 欢迎光临! مرحبا بكم!",
      "x".repeat(1530),
      `${"€".repeat(80)}`,
      `${"€".repeat(80)}a`,
    ];
    for (const text of texts) {
      const result = encodeText(text);
      const lib = new SegmentedMessage(result.text, result.encoding === "gsm7" ? "GSM-7" : "UCS-2");
      assert.equal(result.parts.length, lib.segmentsCount, text.slice(0, 20));
    }
  });

  it("gives an empty text one empty part", () => {
    assert.deepEqual(encodeText(""), {
      text: "",
      encoding: "gsm7",
      charsCount: 0,
      units: 0,
      parts: [""],
      transliterated: false,
    });
  });
});
