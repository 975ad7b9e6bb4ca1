import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hashSecret, secretMatches } from "./credentials.js";

describe("secret hashes", () => {
  it("are SHA-256 of the UTF-8 secret, in hex (what the store holds)", () => {
    assert.equal(hashSecret("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert.equal(hashSecret("é"), "4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c");
  });

  it("match only the secret they were made from", () => {
    const stored = hashSecret("s3cret-s3cret");
    assert.equal(secretMatches("s3cret-s3cret", stored), true);
    assert.equal(secretMatches("s3cret-s3creT", stored), false);
    assert.equal(secretMatches("s3cret-s3cret", "abcd"), false);
  });
});
