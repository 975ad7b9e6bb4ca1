import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeText } from "./encoding/index.js";
import {
  brandProblem,
  codeMatches,
  decideCheck,
  generateCode,
  hashCode,
  MAX_WRONG_ATTEMPTS,
  otpText,
  parseTriedCode,
  statusAt,
  utcDay,
} from "./otp.js";

const KEY = "k".repeat(32);
const ID = "6a68fb58-9f58-450e-bf06-d5008977116a";

describe("OTP codes", () => {
  it("are six digits without a leading zero, from the range given to the generator", () => {
    let asked: [number, number] | undefined;
    const code = generateCode((min, max) => {
      asked = [min, max];
      return min;
    });
    assert.deepEqual(asked, [100_000, 1_000_000]);
    assert.equal(code, "100000");
    for (let i = 0; i < 2000; i++) assert.match(generateCode(), /^[1-9]\d{5}$/);
  });

  it("are spread over the range (no value dominates 2000 draws)", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) seen.add(generateCode());
    assert.ok(seen.size > 1950, `only ${seen.size} distinct codes`);
  });

  it("hash with the key and the OTP id, never to the code itself", () => {
    const h = hashCode(KEY, ID, "123456");
    assert.match(h, /^[0-9a-f]{64}$/);
    assert.ok(!h.includes("123456"));
    assert.notEqual(hashCode("another key 0123456", ID, "123456"), h);
    assert.notEqual(hashCode(KEY, "35efec9e-b736-4aab-b6d7-52d9fc288984", "123456"), h);
  });

  it("match only the right code under the right key and id", () => {
    const stored = hashCode(KEY, ID, "720842");
    assert.equal(codeMatches(KEY, ID, "720842", stored), true);
    assert.equal(codeMatches(KEY, ID, "686281", stored), false);
    assert.equal(codeMatches("another key 0123456", ID, "720842", stored), false);
    assert.equal(codeMatches(KEY, ID, "720842", "abcd"), false, "a malformed stored hash never matches");
  });

  it("accept a tried code as an integer or a digit string, in canonical form", () => {
    assert.equal(parseTriedCode(626262), "626262");
    assert.equal(parseTriedCode("626262"), "626262");
    assert.equal(parseTriedCode(" 626262 "), "626262");
    assert.equal(parseTriedCode("012345"), "12345");
    assert.equal(parseTriedCode(0), "0");
    for (const bad of [
      undefined,
      null,
      "",
      "abc",
      "12a456",
      "1234567",
      1_000_000,
      -1,
      62.5,
      true,
      [626262],
      {},
    ]) {
      assert.equal(parseTriedCode(bad), null, `${JSON.stringify(bad)}`);
    }
  });
});

describe("OTP text and brand", () => {
  it("reads as a verification message with and without a brand", () => {
    assert.equal(otpText("123456", "Acme"), "Your Acme verification code is 123456");
    assert.equal(otpText("123456", ""), "Your verification code is 123456");
  });

  it("does not double a brand's own leading \"Your\"", () => {
    assert.equal(otpText("123456", "Your Brand"), "Your Brand verification code is 123456");
    assert.equal(otpText("123456", "YOUR BANK"), "YOUR BANK verification code is 123456");
    assert.equal(otpText("123456", "Your"), "Your verification code is 123456");
    assert.equal(otpText("123456", "Yourbank"), "Your Yourbank verification code is 123456");
    assert.equal(otpText("123456", ""), "Your verification code is 123456");
  });

  it("allows 50 GSM characters or 12 others, and no control characters", () => {
    assert.equal(brandProblem(""), null);
    assert.equal(brandProblem("a".repeat(50)), null);
    assert.ok(brandProblem("a".repeat(51)));
    assert.equal(brandProblem("{".repeat(50)), null, "characters are counted, not septets");
    assert.equal(brandProblem("Ж".repeat(12)), null);
    assert.ok(brandProblem("Ж".repeat(13)));
    assert.equal(brandProblem("😀".repeat(12)), null, "code points are counted, not UTF-16 units");
    assert.ok(brandProblem("Brand\nCall 0900"));
  });

  it("keeps every allowed brand in a single SMS part", () => {
    for (const brand of ["a".repeat(50), "{".repeat(50), "Ж".repeat(12), "😀".repeat(12)]) {
      assert.equal(encodeText(otpText("999999", brand)).parts.length, 1, brand);
    }
  });
});

describe("OTP status machine", () => {
  const fresh = { status: "in_progress" as const, attempts: 0, expiresAt: 10_000 };

  it("expires lazily at the expiry instant", () => {
    assert.equal(statusAt(fresh, 9_999), "in_progress");
    assert.equal(statusAt(fresh, 10_000), "expired");
    assert.equal(
      statusAt({ ...fresh, status: "approved" }, 20_000),
      "approved",
      "final statuses never change",
    );
  });

  it("approves the right code without counting an attempt", () => {
    assert.deepEqual(decideCheck({ ...fresh, attempts: 2 }, true), {
      result: "approved",
      next: { status: "approved", attempts: 2 },
    });
  });

  it("counts wrong codes and fails on the third", () => {
    assert.equal(MAX_WRONG_ATTEMPTS, 3);
    assert.deepEqual(decideCheck(fresh, false), {
      result: "wrong",
      next: { status: "in_progress", attempts: 1 },
    });
    assert.deepEqual(decideCheck({ ...fresh, attempts: 1 }, false), {
      result: "wrong",
      next: { status: "in_progress", attempts: 2 },
    });
    assert.deepEqual(decideCheck({ ...fresh, attempts: 2 }, false), {
      result: "failed",
      next: { status: "failed", attempts: 3 },
    });
  });

  it("counts verify calls per UTC day", () => {
    assert.equal(utcDay(Date.UTC(2024, 4, 1, 23, 59, 59)), "2024-05-01");
    assert.equal(utcDay(Date.UTC(2024, 4, 2, 0, 0, 0)), "2024-05-02");
  });
});
