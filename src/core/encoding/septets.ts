/**
 * 7-bit packing of GSM septets into octets (TS 23.038 6.1.2.1.1): septet i occupies bits
 * paddingBits + 7·i onwards, least significant bit first. paddingBits is the fill that aligns the first
 * septet to a septet boundary after a User Data Header: (7 − (UDH octets · 8) mod 7) mod 7, i.e. 1 after
 * the 6-octet concatenation header `05 00 03 ref total seq`, 0 after the 7-octet 16-bit one.
 *
 * Hand-written: sms-segments-calculator only counts, it never produces bytes.
 */

function checkPadding(paddingBits: number): void {
  if (!Number.isInteger(paddingBits) || paddingBits < 0 || paddingBits > 6) {
    throw new RangeError(`paddingBits must be an integer from 0 to 6, got ${paddingBits}`);
  }
}

/** Packs septet values (low 7 bits of each byte are used) into ceil((padding + 7·n) / 8) octets. */
export function packSeptets(septets: Uint8Array, paddingBits = 0): Uint8Array {
  checkPadding(paddingBits);
  const out = new Uint8Array(Math.ceil((paddingBits + septets.length * 7) / 8));
  let bit = paddingBits;
  for (const value of septets) {
    const septet = value & 0x7f;
    const byte = bit >> 3;
    const shift = bit & 7;
    out[byte] = (out[byte] ?? 0) | ((septet << shift) & 0xff);
    if (shift > 1) out[byte + 1] = septet >> (8 - shift);
    bit += 7;
  }
  return out;
}

/** Reads `count` septets starting after `paddingBits` fill bits. Throws if the octets are too short. */
export function unpackSeptets(packed: Uint8Array, count: number, paddingBits = 0): Uint8Array {
  checkPadding(paddingBits);
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer`);
  if (paddingBits + count * 7 > packed.length * 8) {
    throw new RangeError(`${count} septets need more than the ${packed.length} octets given`);
  }
  const out = new Uint8Array(count);
  let bit = paddingBits;
  for (let i = 0; i < count; i++) {
    const byte = bit >> 3;
    const shift = bit & 7;
    let value = (packed[byte] ?? 0) >> shift;
    if (shift > 1) value |= (packed[byte + 1] ?? 0) << (8 - shift);
    out[i] = value & 0x7f;
    bit += 7;
  }
  return out;
}
