import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SegmentedMessage } from "sms-segments-calculator";
import {
  ESC,
  fromGsm7Septets,
  GSM_BASIC_TABLE,
  GSM_EXTENSION_TABLE,
  gsm7Length,
  isGsm7,
  toGsm7Septets,
} from "./gsm-alphabet.js";

/**
 * The default alphabet written out independently of the implementation's table, as septet → Unicode
 * code point (3GPP TS 23.038 6.2.1 / unicode.org GSM0338.TXT). 0x1B (escape) has no character.
 */
const EXPECTED_BASIC: [number, number][] = [
  [0x00, 0x40],
  [0x01, 0xa3],
  [0x02, 0x24],
  [0x03, 0xa5],
  [0x04, 0xe8],
  [0x05, 0xe9],
  [0x06, 0xf9],
  [0x07, 0xec],
  [0x08, 0xf2],
  [0x09, 0xc7],
  [0x0a, 0x0a],
  [0x0b, 0xd8],
  [0x0c, 0xf8],
  [0x0d, 0x0d],
  [0x0e, 0xc5],
  [0x0f, 0xe5],
  [0x10, 0x394],
  [0x11, 0x5f],
  [0x12, 0x3a6],
  [0x13, 0x393],
  [0x14, 0x39b],
  [0x15, 0x3a9],
  [0x16, 0x3a0],
  [0x17, 0x3a8],
  [0x18, 0x3a3],
  [0x19, 0x398],
  [0x1a, 0x39e],
  [0x1c, 0xc6],
  [0x1d, 0xe6],
  [0x1e, 0xdf],
  [0x1f, 0xc9],
  [0x20, 0x20],
  [0x21, 0x21],
  [0x22, 0x22],
  [0x23, 0x23],
  [0x24, 0xa4],
  [0x40, 0xa1],
  [0x5b, 0xc4],
  [0x5c, 0xd6],
  [0x5d, 0xd1],
  [0x5e, 0xdc],
  [0x5f, 0xa7],
  [0x60, 0xbf],
  [0x7b, 0xe4],
  [0x7c, 0xf6],
  [0x7d, 0xf1],
  [0x7e, 0xfc],
  [0x7f, 0xe0],
];
// 0x25–0x3F, 0x41–0x5A and 0x61–0x7A are the ASCII characters with the same value.
for (const [from, to] of [
  [0x25, 0x3f],
  [0x41, 0x5a],
  [0x61, 0x7a],
] as const) {
  for (let septet = from; septet <= to; septet++) EXPECTED_BASIC.push([septet, septet]);
}

const EXPECTED_EXTENSION: [string, number][] = [
  ["\f", 0x0a],
  ["^", 0x14],
  ["{", 0x28],
  ["}", 0x29],
  ["\\", 0x2f],
  ["[", 0x3c],
  ["~", 0x3d],
  ["]", 0x3e],
  ["|", 0x40],
  ["€", 0x65],
];

describe("GSM 03.38 basic table", () => {
  it("has all 127 characters at the septet values of the specification", () => {
    assert.equal(EXPECTED_BASIC.length, 127);
    assert.equal(GSM_BASIC_TABLE.length, 128);
    for (const [septet, codePoint] of EXPECTED_BASIC) {
      const char = String.fromCodePoint(codePoint);
      assert.deepEqual([...toGsm7Septets(char)], [septet], `U+${codePoint.toString(16)} → ${septet}`);
      assert.equal(fromGsm7Septets(Uint8Array.of(septet)), char, `${septet} → U+${codePoint.toString(16)}`);
      assert.equal(gsm7Length(char), 1);
      assert.ok(isGsm7(char));
    }
  });

  it("round-trips the whole table as one text", () => {
    const text = EXPECTED_BASIC.map(([, cp]) => String.fromCodePoint(cp)).join("");
    const septets = toGsm7Septets(text);
    assert.deepEqual(
      [...septets],
      EXPECTED_BASIC.map(([septet]) => septet),
    );
    assert.equal(fromGsm7Septets(septets), text);
    assert.equal(gsm7Length(text), 127);
  });

  it("has no character for the escape itself", () => {
    assert.equal(ESC, 0x1b);
    assert.equal(isGsm7("\u001b"), false);
    assert.throws(() => toGsm7Septets("\u001b"), RangeError);
  });
});

describe("GSM 03.38 extension table", () => {
  it("has exactly FF ^ { } \\ [ ~ ] | €", () => {
    assert.deepEqual(
      [...GSM_EXTENSION_TABLE].sort((a, b) => a[0] - b[0]),
      EXPECTED_EXTENSION.map(([char, code]) => [code, char]).sort((a, b) => Number(a[0]) - Number(b[0])),
    );
  });

  for (const [char, code] of EXPECTED_EXTENSION) {
    it(`encodes ${JSON.stringify(char)} as ESC 0x${code.toString(16)} and counts it 2`, () => {
      assert.deepEqual([...toGsm7Septets(char)], [0x1b, code]);
      assert.equal(fromGsm7Septets(Uint8Array.of(0x1b, code)), char);
      assert.equal(gsm7Length(char), 2);
      assert.ok(isGsm7(char));
    });
  }

  it("round-trips mixed basic and extension text", () => {
    const text = "Price: 5€ [x] {y} a|b ~c^ \\d\fend";
    const septets = toGsm7Septets(text);
    assert.equal(septets.length, gsm7Length(text));
    assert.equal(gsm7Length(text), text.length + 10);
    assert.equal(fromGsm7Septets(septets), text);
  });
});

describe("isGsm7 / gsm7Length", () => {
  it("agrees with sms-segments-calculator on every character of U+0000–U+04FF and U+2000–U+20FF", () => {
    for (const [from, to] of [
      [0, 0x4ff],
      [0x2000, 0x20ff],
    ] as const) {
      for (let cp = from; cp <= to; cp++) {
        const char = String.fromCharCode(cp);
        const lib = new SegmentedMessage(char);
        assert.equal(isGsm7(char), lib.encodingName === "GSM-7", `U+${cp.toString(16)}`);
        if (isGsm7(char)) assert.equal(gsm7Length(char), lib.numberOfCharacters, `U+${cp.toString(16)}`);
      }
    }
  });

  it("rejects characters GSM lacks", () => {
    for (const text of ["ł", "ç", "`", "\t", "á", "😀", "欢", "\ud83d", "ok ł"])
      assert.equal(isGsm7(text), false, text);
    assert.equal(isGsm7(""), true);
  });

  it("counts septets, extension characters 2, other characters 1 per code point", () => {
    assert.equal(gsm7Length(""), 0);
    assert.equal(gsm7Length("Hello"), 5);
    assert.equal(gsm7Length("a€b"), 4);
    assert.equal(gsm7Length("{}[]"), 8);
    assert.equal(gsm7Length("ł😀"), 2);
  });
});

describe("toGsm7Septets / fromGsm7Septets", () => {
  it("throws on non-GSM input, naming the character and its index", () => {
    assert.throws(() => toGsm7Septets("garçon"), /U\+00E7 at index 3/);
    assert.throws(() => toGsm7Septets("hi 😀"), RangeError);
  });

  it("returns an empty array for the empty text", () => {
    assert.equal(toGsm7Septets("").length, 0);
    assert.equal(fromGsm7Septets(new Uint8Array(0)), "");
  });

  it("shows the basic character for an unknown escape, a space for ESC ESC and a trailing ESC", () => {
    assert.equal(fromGsm7Septets(Uint8Array.of(0x1b, 0x41, 0x62)), "Ab");
    assert.equal(fromGsm7Septets(Uint8Array.of(0x1b, 0x00)), "@");
    assert.equal(fromGsm7Septets(Uint8Array.of(0x61, 0x1b, 0x1b, 0x62)), "a b");
    assert.equal(fromGsm7Septets(Uint8Array.of(0x61, 0x1b)), "a ");
  });

  it("reads only the low 7 bits of each byte", () => {
    assert.equal(fromGsm7Septets(Uint8Array.of(0xc1, 0x80)), "A@");
  });
});
