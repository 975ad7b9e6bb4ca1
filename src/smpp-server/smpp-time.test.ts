import assert from "node:assert/strict";
import { test } from "node:test";
import { parseSmppTime, SmppTimeError } from "./smpp-time.js";

const NOW = Date.UTC(2026, 11, 4, 12, 0, 0);

test("empty means not given", () => {
  assert.equal(parseSmppTime("", NOW), undefined);
  assert.equal(parseSmppTime(undefined, NOW), undefined);
});

test("absolute time in UTC and with an offset in quarter hours", () => {
  assert.equal(parseSmppTime("261204130000000+", NOW), Date.UTC(2026, 11, 4, 13, 0, 0));
  // 13:00 at UTC+1 (04 quarter hours ahead) is 12:00 UTC
  assert.equal(parseSmppTime("261204130000004+", NOW), Date.UTC(2026, 11, 4, 12, 0, 0));
  assert.equal(parseSmppTime("261204130000008-", NOW), Date.UTC(2026, 11, 4, 15, 0, 0));
  assert.equal(parseSmppTime("261204130000500+", NOW), Date.UTC(2026, 11, 4, 13, 0, 0, 500));
});

test("relative time counts from now", () => {
  assert.equal(parseSmppTime("000001020304000R", NOW), NOW + ((1 * 24 + 2) * 3600 + 3 * 60 + 4) * 1000);
  assert.equal(parseSmppTime("000000000010000R", NOW), NOW + 10_000);
});

test("malformed times are refused", () => {
  for (const bad of ["2612041300", "261304130000000+", "261204250000000+", "26120413000000+X", "abc"]) {
    assert.throws(() => parseSmppTime(bad, NOW), SmppTimeError, bad);
  }
});
