import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GSM_BASIC_TABLE, GSM_EXTENSION_TABLE, isGsm7 } from "./gsm-alphabet.js";
import { TRANSLITERATIONS, transliterate } from "./transliterate.js";

/** Each character of `from` must become the replacement at the same index of `to`. */
function expectEach(from: string[], to: string[]): void {
  assert.equal(from.length, to.length);
  from.forEach((char, i) => {
    const cp = char.codePointAt(0)?.toString(16);
    assert.equal(transliterate(char), to[i], `${char} (U+${cp})`);
  });
}
const each = (text: string) => [...text];

describe("transliterate: punctuation", () => {
  it("turns typographic apostrophes, single quotes and primes into '", () => {
    for (const char of each("‘’‚‛´`′‹›ʼ")) assert.equal(transliterate(char), "'", char);
  });

  it('turns typographic double quotes, double primes and guillemets into "', () => {
    for (const char of each("“”„‟″«»")) assert.equal(transliterate(char), '"', char);
  });

  it("turns dashes, hyphens and the minus sign into -", () => {
    for (const char of each("–—―‐‑−‒")) assert.equal(transliterate(char), "-", char);
  });

  it("turns the ellipsis into three dots and bullets into -", () => {
    assert.equal(transliterate("Wait…"), "Wait...");
    assert.equal(transliterate("• one\n• two"), "- one\n- two");
    assert.equal(transliterate("◦‣∙"), "---");
  });

  it("turns non-breaking and other Unicode spaces into a plain space", () => {
    for (const char of each("\u00a0\u2000\u2002\u2003\u2007\u2009\u200a\u202f\u205f\u3000\u1680")) {
      assert.equal(transliterate(`a${char}b`), "a b", `U+${char.codePointAt(0)?.toString(16)}`);
    }
    assert.equal(transliterate("a\tb"), "a b");
    assert.equal(transliterate("a\u2028b"), "a\nb");
  });

  it("drops invisible characters: zero-width space and joiners, soft hyphen, BOM, direction marks", () => {
    assert.equal(transliterate("a\u200bb\u00adc\u200cd\ufeffe\u200ff\u2060g"), "abcdefg");
  });

  it("maps a few symbols sensibly", () => {
    assert.equal(transliterate("© ® ™"), "(c) (R) TM");
    assert.equal(transliterate("2×3÷4 ½ ≠ ≤ ≥ ± µg →"), "2x3/4 1/2 != <= >= +/- ug ->");
  });
});

describe("transliterate: letters", () => {
  it("strips accents GSM lacks, lower and upper case", () => {
    expectEach(
      each("áíóúâêîôûãõëïčšžćđłńśźżřěůőűāēīōūąęėįųýÿğşțľĺŕťďň"),
      each("aiouaeiouaoeicszcdlnszzreuouaeiouaeeiuyygstllrtdn"),
    );
    expectEach(
      each("ÁÍÓÚÂÊÎÔÛÃÕËÏČŠŽĆĐŁŃŚŹŻŘĚŮŐŰĀĒĪŌŪĄĘĖĮŲÝŸĞŞȚĽĹŔŤĎŇ"),
      each("AIOUAEIOUAOEICSZCDLNSZZREUOUAEIOUAEEIUYYGSTLLRTDN"),
    );
    expectEach(each("ÈÌÒÙÀ"), each("EIOUA"));
  });

  it("turns ç into Ç, the only C with cedilla GSM has", () => {
    assert.equal(transliterate("garçon Ça"), "garÇon Ça");
  });

  it("keeps ß (GSM 0x1E) and writes capital ẞ as SS; ligatures are spelled out", () => {
    assert.equal(transliterate("Straße STRAẞE"), "Straße STRASSE");
    assert.equal(transliterate("œuvre Œuvre ﬁn ĳ"), "oeuvre OEuvre fin ij");
    assert.equal(transliterate("þ Þ ð ı ħ"), "th Th d i h");
  });

  it("keeps characters GSM already has", () => {
    const kept = "éäüöñàèùìòÄÖÑÜ§¿¡£¥ΔÉÇßÆæØøÅå¤$@_ΦΓΛΩΠΨΣΘΞ";
    assert.equal(transliterate(kept), kept);
  });

  it("returns every GSM text unchanged, the whole basic and extension tables included", () => {
    const all = GSM_BASIC_TABLE.replace("\u001b", "") + [...GSM_EXTENSION_TABLE.values()].join("");
    assert.equal(transliterate(all), all);
    assert.equal(transliterate("a\r\nb"), "a\r\nb");
  });

  it("maps Greek capitals that look Latin to Latin and keeps those GSM has", () => {
    expectEach(each("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ"), each("ABEZHIKMNOPTYX"));
    expectEach(each("ΓΔΘΛΞΠΣΦΨΩ"), each("ΓΔΘΛΞΠΣΦΨΩ"));
    assert.equal(transliterate("Ελληνικά"), "EΛΛHNIKA");
    assert.equal(transliterate("ΆΈΉΊΌΎΏ"), "AEHIOYΩ");
    assert.equal(transliterate("Ω\u2126"), "ΩΩ"); // Greek omega and the ohm sign
  });

  it("maps Cyrillic lookalikes and nothing else", () => {
    expectEach(each("АВЕКМНОРСТХаеорсух"), each("ABEKMHOPCTXaeopcyx"));
    assert.equal(transliterate("ж Ж д Я"), "? ? ? ?");
    assert.equal(transliterate("СОК"), "COK");
  });

  it("composes decomposed accents first (NFD input)", () => {
    assert.equal(transliterate("Andre\u0301 Ha\u0301ns"), "André Hans");
    assert.equal(transliterate("A\u030angstro\u0308m"), "Ångström");
  });

  it("drops combining marks that cannot be composed", () => {
    assert.equal(transliterate("q\u0307 x\u0300\u0323"), "q x");
  });
});

describe("transliterate: no sensible mapping", () => {
  it("turns an emoji into a single ?", () => {
    assert.equal(transliterate("😀"), "?");
    assert.equal(transliterate("Party 🎉!"), "Party ?!");
    assert.equal(transliterate("👍🏽"), "?"); // with a skin tone
    assert.equal(transliterate("👨‍👩‍👧"), "?"); // ZWJ family
    assert.equal(transliterate("🇩🇪"), "?"); // flag
    assert.equal(transliterate("❤️"), "?"); // with a variation selector
    assert.equal(transliterate("😀😀"), "??");
  });

  it("turns other scripts into one ? per character", () => {
    assert.equal(transliterate("欢迎光临"), "????");
    assert.equal(transliterate("مرحبا"), "?????");
    assert.equal(transliterate("한"), "?");
  });

  it("turns control characters and lone surrogates into ?", () => {
    assert.equal(transliterate("a\u0000b\u0007"), "a?b?");
    assert.equal(transliterate("a\ud83d"), "a?");
    assert.equal(transliterate("\u001b"), "?");
  });

  it("does not strip a negating overlay into its opposite", () => {
    assert.equal(transliterate("≮"), "?");
    assert.equal(transliterate("∉"), "?");
  });
});

describe("transliterate: invariants", () => {
  it("has only GSM replacements and never replaces a GSM character", () => {
    for (const [from, to] of TRANSLITERATIONS) {
      assert.ok(isGsm7(to), `${from} → ${to}`);
      assert.ok(!isGsm7(from), `${from} is GSM`);
      assert.equal([...from].length, 1, `${from} is one code point`);
    }
  });

  it("always produces GSM text, is idempotent and keeps GSM text intact, over all of the BMP", () => {
    for (let cp = 0; cp <= 0xffff; cp++) {
      const char = String.fromCharCode(cp);
      const out = transliterate(char);
      assert.ok(isGsm7(out), `U+${cp.toString(16)} → ${JSON.stringify(out)}`);
      assert.equal(transliterate(out), out);
      if (isGsm7(char)) assert.equal(out, char);
    }
  });

  it("always produces GSM text for astral characters", () => {
    for (let cp = 0x10000; cp <= 0x1faff; cp += 7) {
      assert.ok(isGsm7(transliterate(String.fromCodePoint(cp))), `U+${cp.toString(16)}`);
    }
    assert.equal(transliterate("𝐀𝐁"), "AB"); // mathematical bold letters decompose to Latin
  });
});
