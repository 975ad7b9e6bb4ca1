import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SegmentedMessage } from "sms-segments-calculator";
import { GSM_BASIC_TABLE, GSM_EXTENSION_TABLE, gsm7Length, toGsm7Septets } from "./gsm-alphabet.js";
import { countUnits, PART_LIMITS, splitParts, type TextEncoding } from "./segment.js";

const gsmUnits = (parts: string[]) => parts.map((p) => gsm7Length(p));
const ucsUnits = (parts: string[]) => parts.map((p) => p.length);

/** Deterministic PRNG (mulberry32), so a failure can be reproduced. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomText(random: () => number, alphabet: string[], length: number): string {
  let text = "";
  for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
  return text;
}

const GSM_CHARS = [...GSM_BASIC_TABLE.replace("\u001b", ""), ...GSM_EXTENSION_TABLE.values()];
// Characters that are each one grapheme whatever their neighbours, so the library (which cuts on
// graphemes) and we (cutting on code points) must agree exactly.
const UCS_CHARS = ["a", "ж", "欢", "م", "€", "{", "😀", "🎉", "𝐀"];

describe("splitParts, GSM 7-bit", () => {
  it("keeps 160 septets in one part and splits 161 into 153 + 8", () => {
    assert.deepEqual(splitParts("a".repeat(160), "gsm7"), ["a".repeat(160)]);
    const parts = splitParts("a".repeat(161), "gsm7");
    assert.deepEqual(gsmUnits(parts), [153, 8]);
  });

  it("counts extension characters 2 against the single-part limit", () => {
    assert.equal(splitParts(`${"a".repeat(158)}€`, "gsm7").length, 1);
    assert.equal(splitParts(`${"a".repeat(159)}€`, "gsm7").length, 2);
    assert.equal(splitParts("€".repeat(80), "gsm7").length, 1);
    assert.equal(splitParts(`${"€".repeat(80)}a`, "gsm7").length, 2);
  });

  it("fills 10 parts of 153 with 1530 septets and needs an 11th for 1531", () => {
    const parts = splitParts("x".repeat(1530), "gsm7");
    assert.deepEqual(gsmUnits(parts), Array(10).fill(153));
    assert.equal(splitParts("x".repeat(1531), "gsm7").length, 11);
  });

  it("moves an extension character straddling septet 153 to the next part", () => {
    const text = `${"a".repeat(152)}€${"b".repeat(20)}`;
    const parts = splitParts(text, "gsm7");
    assert.equal(parts[0], "a".repeat(152));
    assert.ok(parts[1]?.startsWith("€"));
    assert.deepEqual(gsmUnits(parts), [152, 22]);
    // No part ends with a lone escape.
    for (const part of parts) assert.notEqual(toGsm7Septets(part).at(-1), 0x1b);
  });

  it("keeps an extension character that ends exactly at septet 153", () => {
    const parts = splitParts(`${"a".repeat(151)}€${"b".repeat(20)}`, "gsm7");
    assert.equal(parts[0], `${"a".repeat(151)}€`);
    assert.deepEqual(gsmUnits(parts), [153, 20]);
  });

  it("honours a lower per-part limit (16-bit reference UDH) and rejects impossible ones", () => {
    assert.deepEqual(gsmUnits(splitParts("a".repeat(161), "gsm7", 152)), [152, 9]);
    assert.throws(() => splitParts("a", "gsm7", 154), RangeError);
    assert.throws(() => splitParts("a", "gsm7", 1), RangeError);
  });
});

describe("splitParts, UCS-2", () => {
  it("keeps 70 units in one part and splits 71 into 67 + 4", () => {
    assert.deepEqual(splitParts("ж".repeat(70), "ucs2"), ["ж".repeat(70)]);
    assert.deepEqual(ucsUnits(splitParts("ж".repeat(71), "ucs2")), [67, 4]);
  });

  it("counts an emoji 2 units against the single-part limit", () => {
    assert.equal(splitParts(`${"a".repeat(68)}😀`, "ucs2").length, 1);
    assert.equal(splitParts(`${"a".repeat(69)}😀`, "ucs2").length, 2);
  });

  it("fills 10 parts of 67 with 670 units and needs an 11th for 671", () => {
    assert.deepEqual(ucsUnits(splitParts("ж".repeat(670), "ucs2")), Array(10).fill(67));
    assert.deepEqual(
      ucsUnits(splitParts("😀".repeat(335), "ucs2")),
      [66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 10],
    );
    assert.equal(splitParts("ж".repeat(671), "ucs2").length, 11);
  });

  it("moves an emoji straddling unit 67 to the next part", () => {
    const parts = splitParts(`${"a".repeat(66)}😀${"b".repeat(10)}`, "ucs2");
    assert.equal(parts[0], "a".repeat(66));
    assert.ok(parts[1]?.startsWith("😀"));
    // No part ends with a high surrogate or starts with a low one.
    for (const part of parts) {
      assert.ok(!/[\ud800-\udbff]$/.test(part));
      assert.ok(!/^[\udc00-\udfff]/.test(part));
    }
  });

  it("keeps an emoji that ends exactly at unit 67", () => {
    const parts = splitParts(`${"a".repeat(65)}😀${"b".repeat(10)}`, "ucs2");
    assert.equal(parts[0], `${"a".repeat(65)}😀`);
  });
});

describe("splitParts, general", () => {
  it("returns one empty part for the empty text", () => {
    assert.deepEqual(splitParts("", "gsm7"), [""]);
    assert.deepEqual(splitParts("", "ucs2"), [""]);
  });

  it("gives back the text when the parts are joined, and never exceeds the limits", () => {
    const random = rng(1);
    for (const [encoding, alphabet] of [
      ["gsm7", GSM_CHARS],
      ["ucs2", UCS_CHARS],
    ] as const) {
      for (let n = 0; n < 300; n++) {
        const text = randomText(random, alphabet, Math.floor(random() * 900));
        const parts = splitParts(text, encoding);
        assert.equal(parts.join(""), text);
        const limit = parts.length === 1 ? PART_LIMITS[encoding].single : PART_LIMITS[encoding].multi;
        for (const part of parts) assert.ok(countUnits(part, encoding) <= limit);
        if (encoding === "gsm7") for (const part of parts) assert.notEqual(toGsm7Septets(part).at(-1), 0x1b);
      }
    }
  });

  it("counts units: septets for GSM, UTF-16 units for UCS-2", () => {
    assert.equal(countUnits("a€", "gsm7"), 3);
    assert.equal(countUnits("a€", "ucs2"), 2);
    assert.equal(countUnits("a😀", "ucs2"), 3);
  });
});

describe("part counts cross-checked with sms-segments-calculator", () => {
  const libName = (encoding: TextEncoding) => (encoding === "gsm7" ? "GSM-7" : "UCS-2");
  const libCount = (text: string, encoding: TextEncoding) =>
    new SegmentedMessage(text, libName(encoding)).segmentsCount;

  it("agrees at the boundaries", () => {
    const cases: [string, TextEncoding][] = [
      ["a".repeat(160), "gsm7"],
      ["a".repeat(161), "gsm7"],
      [`${"a".repeat(159)}€`, "gsm7"],
      [`${"a".repeat(152)}€${"b".repeat(154)}`, "gsm7"],
      ["x".repeat(1530), "gsm7"],
      ["x".repeat(1531), "gsm7"],
      ["ж".repeat(70), "ucs2"],
      ["ж".repeat(71), "ucs2"],
      [`${"a".repeat(66)}😀${"b".repeat(67)}`, "ucs2"],
      ["ж".repeat(670), "ucs2"],
      ["😀".repeat(335), "ucs2"],
      ["Hello", "ucs2"],
    ];
    for (const [text, encoding] of cases) {
      assert.equal(splitParts(text, encoding).length, libCount(text, encoding), `${encoding} ${text.length}`);
    }
  });

  it("agrees on random texts around every part boundary", () => {
    const random = rng(99);
    for (const [encoding, alphabet] of [
      ["gsm7", GSM_CHARS],
      ["ucs2", UCS_CHARS],
    ] as const) {
      const step = PART_LIMITS[encoding].multi;
      for (let parts = 1; parts <= 10; parts++) {
        for (let delta = -6; delta <= 6; delta++) {
          const text = randomText(random, alphabet, Math.max(0, parts * step + delta));
          assert.equal(splitParts(text, encoding).length, libCount(text, encoding), JSON.stringify(text));
        }
      }
    }
  });

  it("differs only where we cut a multi-code-point cluster the library moves whole (deliberate)", () => {
    // 65 + 👍🏽 (4 units: 👍 and a skin-tone modifier) + 65 = 134 units = exactly 2 × 67.
    const text = `${"a".repeat(65)}👍🏽${"b".repeat(65)}`;
    const parts = splitParts(text, "ucs2");
    assert.deepEqual(parts, [`${"a".repeat(65)}👍`, `🏽${"b".repeat(65)}`]);
    assert.equal(libCount(text, "ucs2"), 3);
  });
});
