import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toGsm7Septets } from "./gsm-alphabet.js";
import { packSeptets, unpackSeptets } from "./septets.js";

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

/** Reference packing through a bit string (LSB first), deliberately unlike the implementation. */
function referencePack(septets: number[], paddingBits: number): string {
  let bits = "0".repeat(paddingBits);
  for (const s of septets) for (let b = 0; b < 7; b++) bits += (s >> b) & 1;
  while (bits.length % 8 !== 0) bits += "0";
  let out = "";
  for (let i = 0; i < bits.length; i += 8) {
    let byte = 0;
    for (let b = 0; b < 8; b++) byte |= Number(bits[i + b]) << b;
    out += byte.toString(16).padStart(2, "0");
  }
  return out;
}

/** Deterministic PRNG (mulberry32), so a failure can be reproduced. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("packSeptets", () => {
  it('packs "hellohello" to e8329bfd4697d9ec37', () => {
    assert.equal(hex(packSeptets(toGsm7Septets("hellohello"))), "e8329bfd4697d9ec37");
  });

  it('packs "hello" to e8329bfd06', () => {
    assert.equal(hex(packSeptets(toGsm7Septets("hello"))), "e8329bfd06");
  });

  it("packs 8 septets into 7 octets and 160 septets into 140", () => {
    assert.equal(packSeptets(new Uint8Array(8).fill(0x7f)).length, 7);
    assert.equal(hex(packSeptets(new Uint8Array(8).fill(0x7f))), "ffffffffffffff");
    assert.equal(packSeptets(new Uint8Array(7)).length, 7);
    assert.equal(packSeptets(new Uint8Array(160)).length, 140);
  });

  it("leaves the fill bit after a 6-octet UDH (paddingBits 1) and fits 153 septets in 134 octets", () => {
    const packed = packSeptets(toGsm7Septets("hellohello"), 1);
    assert.equal(packed[0]! & 1, 0);
    assert.equal(hex(packed), referencePack([...toGsm7Septets("hellohello")], 1));
    assert.equal(hex(packed), "d06536fb8d2eb3d96f");
    assert.equal(6 + packSeptets(new Uint8Array(153), 1).length, 140);
  });

  it("matches the bit-string reference for random input and every padding", () => {
    const random = rng(42);
    for (let padding = 0; padding <= 6; padding++) {
      for (let length = 0; length <= 40; length++) {
        const septets = Array.from({ length }, () => Math.floor(random() * 128));
        assert.equal(hex(packSeptets(Uint8Array.from(septets), padding)), referencePack(septets, padding));
      }
    }
  });

  it("uses only the low 7 bits of each input byte", () => {
    assert.equal(hex(packSeptets(Uint8Array.of(0xe8, 0xe5))), hex(packSeptets(Uint8Array.of(0x68, 0x65))));
  });

  it("rejects a padding outside 0–6", () => {
    for (const bad of [-1, 7, 8, 1.5]) assert.throws(() => packSeptets(Uint8Array.of(1), bad), RangeError);
  });
});

describe("unpackSeptets", () => {
  it("unpacks the known vector", () => {
    const packed = Buffer.from("e8329bfd4697d9ec37", "hex");
    assert.deepEqual(unpackSeptets(packed, 10), toGsm7Septets("hellohello"));
  });

  it("round-trips random septets for every padding", () => {
    const random = rng(7);
    for (let padding = 0; padding <= 6; padding++) {
      for (let length = 0; length <= 170; length += 1 + Math.floor(random() * 5)) {
        const septets = Uint8Array.from({ length }, () => Math.floor(random() * 128));
        assert.deepEqual(unpackSeptets(packSeptets(septets, padding), length, padding), septets);
      }
    }
  });

  it("round-trips a concatenated part with its UDH fill bit", () => {
    const septets = toGsm7Septets(`${"€".repeat(76)}x`); // 153 septets
    assert.equal(septets.length, 153);
    assert.deepEqual(unpackSeptets(packSeptets(septets, 1), 153, 1), septets);
  });

  it("rejects a count the octets cannot hold, and bad arguments", () => {
    assert.throws(() => unpackSeptets(new Uint8Array(7), 9), RangeError);
    assert.equal(unpackSeptets(new Uint8Array(7), 8).length, 8);
    assert.throws(() => unpackSeptets(new Uint8Array(7), 8, 1), RangeError);
    assert.throws(() => unpackSeptets(new Uint8Array(7), -1), RangeError);
    assert.throws(() => unpackSeptets(new Uint8Array(7), 1, 7), RangeError);
  });
});
