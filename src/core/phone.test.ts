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
  });

  it("accepts numbers of a possible length in unallocated ranges, unless the rule is 'valid'", () => {
    // The FullSMS page's own example; +972 54 111… is not an allocated range.
    assert.deepEqual(normalisePhone("+972541111111", "GB"), { e164: "+972541111111", iso2: "IL" });
    assert.deepEqual(normalisePhone("972541111111", "IL"), { e164: "+972541111111", iso2: "IL" });
    assert.deepEqual(normalisePhone("+447700900123", "DE"), { e164: "+447700900123", iso2: "GB" });
    assert.deepEqual(normalisePhone("07700 900900", "GB"), { e164: "+447700900900", iso2: "GB" });
    assert.equal(normalisePhone("+972541111111", "GB", "valid"), null);
    assert.equal(normalisePhone("07700 900900", "GB", "valid"), null);
    assert.deepEqual(normalisePhone("+972542222222", "GB", "valid"), { e164: "+972542222222", iso2: "IL" });
  });

  it("prefers a valid reading of bare digits over a merely possible one", () => {
    // As a German national number 14155552671 is possible, but the US reading is valid.
    assert.deepEqual(normalisePhone("14155552671", "DE"), { e164: "+14155552671", iso2: "US" });
  });

  it("takes a valid number longer than 15 digits (German, with an extension), and none longer that is not", () => {
    // The one-reading shortcut asks isValid() only for what the possible check refuses.
    assert.deepEqual(normalisePhone("+49590393602849624", "BR"), { e164: "+49590393602849624", iso2: "DE" });
    assert.deepEqual(normalisePhone("0838952776867856", "DE"), { e164: "+49838952776867856", iso2: "DE" });
    assert.equal(normalisePhone("+4915112345678901234", "DE"), null);
  });

  it("gives a non-geographic number no country", () => {
    assert.deepEqual(normalisePhone("+80012345678", "DE"), { e164: "+80012345678", iso2: null });
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
