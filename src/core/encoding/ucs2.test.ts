import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fromUcs2, toUcs2 } from "./ucs2.js";

describe("toUcs2 / fromUcs2", () => {
  it("encodes big-endian, two bytes per BMP character", () => {
    assert.equal(toUcs2("A€ж").toString("hex"), "004120ac0436");
    assert.equal(fromUcs2(Buffer.from("004120ac0436", "hex")), "A€ж");
  });

  it("keeps a character outside the BMP as a surrogate pair", () => {
    assert.equal(toUcs2("😀").toString("hex"), "d83dde00");
    assert.equal(toUcs2("🎉").toString("hex"), "d83cdf89");
    assert.equal(fromUcs2(Buffer.from("d83dde00", "hex")), "😀");
    assert.equal(fromUcs2(Buffer.from("0061d83cdf890062", "hex")), "a🎉b");
  });

  it("round-trips the LOX24 Unicode example", () => {
    const text = "🎉 Welcome! ¡Bienvenidos! 欢迎光临! مرحبا بكم!";
    const bytes = toUcs2(text);
    assert.equal(bytes.length, text.length * 2);
    assert.equal(fromUcs2(bytes), text);
  });

  it("agrees with Node's UTF-16LE codec byte-swapped", () => {
    const text = "Grüße 👨‍👩‍👧 🇩🇪 𝐀 \u0000 \uffff";
    assert.deepEqual(toUcs2(text), Buffer.from(text, "utf16le").swap16());
  });

  it("round-trips lone surrogates unchanged", () => {
    for (const text of ["\ud83d", "a\ude00b", "\ude00\ud83d"]) assert.equal(fromUcs2(toUcs2(text)), text);
  });

  it("round-trips a text longer than one decoding chunk", () => {
    const text = "ж😀".repeat(5000);
    assert.equal(fromUcs2(toUcs2(text)), text);
  });

  it("shows an odd trailing byte as U+FFFD, and decodes empty input", () => {
    assert.equal(fromUcs2(Buffer.from("004100", "hex")), "A\ufffd");
    assert.equal(fromUcs2(new Uint8Array(0)), "");
    assert.equal(toUcs2("").length, 0);
  });
});
