/**
 * Splitting a text into SMS parts. A single part carries 160 septets (GSM) or 70 UTF-16 units (UCS-2);
 * once concatenated, the 6-octet UDH leaves 153 / 67 per part.
 *
 * Hand-written rather than sms-segments-calculator's SegmentedMessage (which the tests use as the oracle
 * for part counts), because:
 *  - it counts and cuts on grapheme clusters, so a multi-code-point emoji (ZWJ family, flag, skin tone)
 *    straddling a boundary moves whole to the next part and can cost one part more than needed. The
 *    handset re-joins the parts before display, so cutting between two code points of a cluster is
 *    harmless; what must never be cut is a GSM escape pair or a UTF-16 surrogate pair, which is exactly
 *    what per-code-point cutting guarantees;
 *  - it builds an object per character (slow on the hot path) and does not hand back the part texts;
 *  - it throws on non-GSM text when GSM-7 is forced instead of counting it.
 */
import { gsm7CharSeptets } from "./gsm-alphabet.js";

export type TextEncoding = "gsm7" | "ucs2";

/** Units in one unsplit message and per part of a concatenated one (8-bit reference UDH). */
export const PART_LIMITS: Readonly<Record<TextEncoding, { single: number; multi: number }>> = {
  gsm7: { single: 160, multi: 153 },
  ucs2: { single: 70, multi: 67 },
};

/** Units one code point takes: GSM septets (extension 2; non-GSM counted 1) or UTF-16 code units. */
function unitCost(char: string, encoding: TextEncoding): number {
  if (encoding === "ucs2") return char.length;
  const septets = gsm7CharSeptets(char.charCodeAt(0));
  return septets === 0 ? 1 : septets;
}

/** Total units of the text in the given encoding. */
export function countUnits(text: string, encoding: TextEncoding): number {
  let units = 0;
  for (const char of text) units += unitCost(char, encoding);
  return units;
}

/**
 * The text of each part. One part (possibly empty) when the text fits in a single message, else greedy
 * parts of at most `multi` units; a character that does not fit whole starts the next part. Joining the
 * parts gives the text back. `multi` may be lowered, e.g. to 152 for a 16-bit reference UDH.
 */
export function splitParts(
  text: string,
  encoding: TextEncoding,
  multi = PART_LIMITS[encoding].multi,
): string[] {
  if (!Number.isInteger(multi) || multi < 2 || multi > PART_LIMITS[encoding].multi) {
    throw new RangeError(`units per part must be an integer from 2 to ${PART_LIMITS[encoding].multi}`);
  }
  if (countUnits(text, encoding) <= PART_LIMITS[encoding].single) return [text];
  const parts: string[] = [];
  let start = 0;
  let pos = 0;
  let used = 0;
  for (const char of text) {
    const cost = unitCost(char, encoding);
    if (used + cost > multi) {
      parts.push(text.slice(start, pos));
      start = pos;
      used = 0;
    }
    used += cost;
    pos += char.length;
  }
  parts.push(text.slice(start));
  return parts;
}
