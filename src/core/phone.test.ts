import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { countryOf, normalisePhone } from "./phone.js";

describe("normalisePhone", () => {
  it("accepts every form the LOX24 page lists, for a German account", () => {
    for (const input of ["+491701234567", "00491701234567", "491701234567", "01701234567", "0170 123 45 67", "+49 (170) 123-4567"]) {
      assert.deepEqual(normalisePhone(input, "DE"), { e164: "+491701234567", iso2: "DE" }, input);
    }
  });

  it("reads bare digits as national before international", () => {
    assert.deepEqual(normalisePhone("4155552671", "US"), { e164: "+14155552671", iso2: "US" });
    assert.deepEqual(normalisePhone("14155552671", "DE"), { e164: "+14155552671", iso2: "US" });
    assert.deepEqual(normalisePhone("972542222222", "GB"), { e164: "+972542222222", iso2: "IL" });
    // Strict: a number in a range no operator has (the FullSMS page's placeholder) is not valid.
    assert.equal(normalisePhone("972541111111", "GB"), null);
  });

  it("rejects what cannot be a number", () => {
    for (const input of ["", "abc", "+4912", "12", "+49170123456789012", "0049", "+1 415 555 2671 ext 5"]) {
      assert.equal(normalisePhone(input, "DE"), null, input);
    }
  });

  it("tells the country of an E.164 number", () => {
    assert.equal(countryOf("+14155552671"), "US");
    assert.equal(countryOf("+441111111111") === null || countryOf("+441111111111") === "GB", true);
  });
});
