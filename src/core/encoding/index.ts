/**
 * Text handling of the core: GSM 03.38 / UCS-2 choice, transliteration, segmentation, septet packing.
 * Pure functions, no I/O. The parts computed here are what gets billed and what the connector sends.
 */
import { isGsm7 } from "./gsm-alphabet.js";
import { countUnits, splitParts, type TextEncoding } from "./segment.js";
import { transliterate } from "./transliterate.js";

export {
  fromGsm7Septets,
  GSM_BASIC_TABLE,
  GSM_EXTENSION_TABLE,
  gsm7Length,
  isGsm7,
  toGsm7Septets,
} from "./gsm-alphabet.js";
export { countUnits, PART_LIMITS, splitParts, type TextEncoding } from "./segment.js";
export { packSeptets, unpackSeptets } from "./septets.js";
export { TRANSLITERATIONS, transliterate } from "./transliterate.js";
export { fromUcs2, toUcs2 } from "./ucs2.js";

/** At most 10 parts: 1530 GSM septets / 670 UCS-2 units. encodeText does not enforce it; callers do. */
export const MAX_PARTS = 10;

export interface EncodedText {
  /** The text that will be sent (after transliteration when GSM was forced). */
  text: string;
  encoding: TextEncoding;
  /** Characters the user sees (Unicode code points of `text`). */
  charsCount: number;
  /** GSM septets (extension characters count 2) or UTF-16 code units. */
  units: number;
  /** Text of each part: one if it fits 160 / 70 units, else at most 153 / 67 units per part. */
  parts: string[];
  /** True if any character was replaced. */
  transliterated: boolean;
}

/**
 * Chooses the encoding and segments the text.
 * isUnicode: true = force UCS-2 (text untouched); false = force GSM, transliterating what GSM lacks;
 * null/undefined = detect: GSM if every character is GSM, else UCS-2 with the text untouched. Detection
 * looks at the composed (NFC) form, so an "é" typed as "e" + U+0301 still goes out as GSM (as "é").
 */
export function encodeText(text: string, isUnicode?: boolean | null): EncodedText {
  let sent = text;
  let encoding: TextEncoding;
  if (isUnicode === true) {
    encoding = "ucs2";
  } else if (isUnicode === false) {
    sent = transliterate(text);
    encoding = "gsm7";
  } else {
    const composed = text.normalize("NFC");
    encoding = isGsm7(composed) ? "gsm7" : "ucs2";
    if (encoding === "gsm7") sent = composed;
  }
  return {
    text: sent,
    encoding,
    charsCount: countCodePoints(sent),
    units: countUnits(sent, encoding),
    parts: splitParts(sent, encoding),
    // NFC composition in detect mode replaces no character the user sees, so it does not count.
    transliterated: isUnicode === false && sent !== text,
  };
}

function countCodePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
