import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isOptOut, keywordOf } from "./opt-out.js";

describe("opt-out keywords", () => {
  it("recognises stop words in any case, spacing, accents and surrounding punctuation", () => {
    for (const text of ["STOP", "stop", " Stop! ", "STOPALL", "stop all", "Unsubscribe", "END", "quit", "cancel", "Stopp", "ARRÊT", "arret", "Baja", "הסר", "הסרה"]) {
      assert.equal(isOptOut(text), true, text);
    }
  });

  it("ignores texts that merely contain one", () => {
    for (const text of ["please stop", "STOP sending", "stopper", "the end is near", ""]) {
      assert.equal(isOptOut(text), false, text);
    }
  });

  it("puts keywords in one comparable form", () => {
    assert.equal(keywordOf("  join   now! "), "JOIN NOW");
    assert.equal(keywordOf("Café"), "CAFE");
  });
});
