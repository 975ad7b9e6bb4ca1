import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  conversionBucket,
  conversionRoom,
  conversionTooLow,
  countryPermitted,
  permittedCountries,
  prefixOf,
  SlidingWindow,
} from "./fraud.js";

describe("prefixOf", () => {
  it("takes the country code and the start of the national number", () => {
    assert.equal(prefixOf("+4917012345678", 5), "49170");
    assert.equal(prefixOf("+88213000000", 5), "88213");
    assert.equal(prefixOf("+14155552671", 4), "1415");
  });
});

describe("geo permissions", () => {
  it("defaults to the account's own country plus the gateway's list", () => {
    const set = permittedCountries("DE", null, ["AT"]);
    assert.ok(countryPermitted(set, "DE"));
    assert.ok(countryPermitted(set, "AT"));
    assert.ok(!countryPermitted(set, "GB"));
  });

  it("an explicit list replaces the default, own country included", () => {
    const set = permittedCountries("DE", ["FR"], ["AT"]);
    assert.ok(countryPermitted(set, "FR"));
    assert.ok(!countryPermitted(set, "DE"));
  });

  it("a number without a country passes only '*'", () => {
    assert.ok(!countryPermitted(permittedCountries("DE", null, []), null));
    assert.ok(countryPermitted(permittedCountries("DE", ["*"], []), null));
    assert.ok(countryPermitted(permittedCountries("DE", ["*"], []), "GB"));
  });
});

describe("SlidingWindow", () => {
  it("refuses what would exceed the limit and adds nothing then", () => {
    const w = new SlidingWindow(60_000);
    const t = 600_000;
    for (let i = 0; i < 10; i++) assert.ok(w.tryAdd(t + i, 1, 10));
    assert.ok(!w.tryAdd(t + 10, 1, 10));
    assert.equal(w.count(t + 10), 10);
  });

  it("weights the previous window by its overlap, so capacity returns gradually", () => {
    const w = new SlidingWindow(60_000);
    const start = 600_000;
    assert.ok(w.tryAdd(start, 10, 10));
    // A quarter into the next window, three quarters of the previous 10 still count.
    assert.equal(w.count(start + 60_000 + 15_000), 7.5);
    assert.ok(w.tryAdd(start + 75_000, 2, 10));
    assert.ok(!w.tryAdd(start + 75_000, 1, 10));
    // Two windows later nothing counts.
    assert.equal(w.count(start + 180_000), 0);
    assert.ok(w.idle(start + 240_000));
  });

  it("does not let a burst at a window boundary double the limit", () => {
    const w = new SlidingWindow(60_000);
    const edge = 660_000;
    assert.ok(w.tryAdd(edge - 1, 10, 10));
    // Just after the boundary the previous bucket still counts almost fully.
    assert.ok(!w.tryAdd(edge + 1, 1, 10));
  });

  it("remove gives back a refused acceptance", () => {
    const w = new SlidingWindow(60_000);
    assert.ok(w.tryAdd(600_000, 10, 10));
    w.remove(600_001, 4);
    assert.equal(w.count(600_002), 6);
  });

  it("msUntilRoom says when a message would fit again", () => {
    const w = new SlidingWindow(60_000);
    const start = 600_000;
    assert.ok(w.tryAdd(start, 10, 10));
    const wait = w.msUntilRoom(start + 1_000, 1, 10);
    assert.ok(wait > 0);
    assert.ok(!w.tryAdd(start + 1_000 + wait - 1_000, 1, 10), "not before");
    assert.ok(w.tryAdd(start + 1_000 + wait, 1, 10), "at that time");
  });
});

describe("conversionTooLow", () => {
  const rule = { minVolume: 50, minConversion: 0.2 };
  it("never judges below the minimum volume", () => {
    assert.equal(conversionTooLow({ created: 49, verified: 0 }, rule), false);
  });
  it("trips below the threshold at volume", () => {
    assert.equal(conversionTooLow({ created: 50, verified: 9 }, rule), true);
    assert.equal(conversionTooLow({ created: 50, verified: 10 }, rule), false);
  });
});

describe("conversionBucket", () => {
  it("is a minute for windows up to an hour, a sixtieth of longer ones", () => {
    assert.equal(conversionBucket(3_661_000, 3600), 3_660_000);
    assert.equal(conversionBucket(3_661_000, 7200), 3_600_000);
  });
});

describe("conversionRoom", () => {
  const rule = { minVolume: 50, minConversion: 0.2 };
  it("agrees with conversionTooLow one OTP at a time", () => {
    for (const verified of [0, 3, 10, 12, 40]) {
      for (const start of [0, 20, 49, 50, 60, 61, 200]) {
        let created = start;
        let admitted = 0;
        while (!conversionTooLow({ created, verified }, rule) && admitted < 1000) {
          created++;
          admitted++;
        }
        const room = conversionRoom({ created: start, verified }, rule);
        assert.equal(Math.min(room, 1000), admitted, `verified ${verified}, created ${start}`);
      }
    }
  });
  it("is unlimited when the minimum conversion is 0, and exact on floating-point edges", () => {
    assert.equal(
      conversionRoom({ created: 10_000, verified: 0 }, { minVolume: 50, minConversion: 0 }),
      Infinity,
    );
    assert.equal(conversionRoom({ created: 30, verified: 3 }, { minVolume: 10, minConversion: 0.1 }), 1);
  });
});
