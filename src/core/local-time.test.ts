import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isTimeZone, parseLocalDateTime } from "./local-time.js";

const iso = (text: string, zone: string) => {
  const ms = parseLocalDateTime(text, zone);
  return ms === null ? null : new Date(ms).toISOString();
};

describe("parseLocalDateTime", () => {
  it("reads the seed's format in UTC and in other zones, summer and winter", () => {
    assert.equal(iso("2025-01-01 08:51:07", "UTC"), "2025-01-01T08:51:07.000Z");
    assert.equal(iso("2025-01-01 08:00:00", "Europe/Berlin"), "2025-01-01T07:00:00.000Z");
    assert.equal(iso("2025-07-01 08:00:00", "Europe/Berlin"), "2025-07-01T06:00:00.000Z");
    assert.equal(iso("2025-07-01 08:00:00", "America/New_York"), "2025-07-01T12:00:00.000Z");
    assert.equal(iso("2025-01-01 08:00:00", "Asia/Kolkata"), "2025-01-01T02:30:00.000Z");
  });

  it("moves a time skipped by a DST change forward, and takes the first of a repeated one", () => {
    assert.equal(iso("2025-03-30 02:30:00", "Europe/Berlin"), "2025-03-30T01:30:00.000Z"); // = 03:30 CEST
    assert.equal(iso("2025-10-26 02:30:00", "Europe/Berlin"), "2025-10-26T00:30:00.000Z"); // first 02:30 (CEST)
  });

  it("refuses other formats, impossible dates and unknown zones", () => {
    for (const text of ["2025-1-01 08:00:00", "2025-01-01T08:00:00", "2025-02-29 08:00:00", "2025-01-01 24:00:00", "2025-01-01 08:60:00", ""]) {
      assert.equal(parseLocalDateTime(text, "UTC"), null, text);
    }
    assert.equal(iso("2024-02-29 08:00:00", "UTC"), "2024-02-29T08:00:00.000Z");
    assert.equal(parseLocalDateTime("2025-01-01 08:00:00", "Mars/Olympus"), null);
    assert.equal(isTimeZone("Mars/Olympus"), false);
    assert.equal(isTimeZone("Asia/Jerusalem"), true);
  });
});
