/**
 * Transliteration to the GSM 03.38 alphabet, for `is_unicode: false`. Characters GSM already has
 * (é, ä, ü, ö, ñ, à, è, ù, ì, ò, Ä, Ö, Ñ, Ü, Ç, ß, §, ¿, ¡, £, ¥, Δ, …) are never touched.
 *
 * Own table rather than sms-segments-calculator's "smart encoding": that map is Twilio's (it sends
 * ß→ss and leaves accented letters such as á or č alone, so the text stays UCS-2) and is not exported.
 *
 * Order of rules for a character GSM lacks:
 *  1. the explicit table below;
 *  2. any Unicode space → space; combining marks, variation selectors and invisible format characters
 *     (zero-width space/joiners, soft hyphen, direction marks, BOM) → dropped;
 *  3. the compatibility decomposition (NFKD) without its accents, when every resulting character is GSM
 *     or in the table: á→a, č→c, ő→o, Á→A, ﬁ→fi, ½→1/2, fullwidth Ａ→A, ά→A (via α);
 *  4. otherwise "?". One "?" per user-perceived character: an emoji, even a ZWJ sequence, a flag or an
 *     emoji with a skin tone, becomes a single "?".
 *
 * Choices: ç → Ç, since GSM has only the capital (0x09) and the cedilla carries the sound in French,
 * Portuguese and Turkish (many handsets even draw 0x09 as ç). ß stays, GSM has it (0x1E); ẞ → SS.
 * Lower-case Greek becomes the GSM/Latin capital (the usual way Greek is written in GSM SMS).
 * Cyrillic letters that are not lookalikes have no sensible single mapping and become "?".
 */
import { isGsm7 } from "./gsm-alphabet.js";

const pairs = (replacement: string, chars: string): [string, string][] =>
  [...chars].map((char) => [char, replacement]);

/** Character → GSM replacement. Every value is GSM text; no key is a GSM character (tested). */
export const TRANSLITERATIONS: ReadonlyMap<string, string> = new Map<string, string>([
  // quotes, apostrophes, primes, accents used as apostrophes
  ...pairs(
    "'",
    "\u2018\u2019\u201a\u201b\u00b4`\u2032\u2035\u02b9\u02bb\u02bc\u02bd\u02c8\u02ca\u02cb\u2039\u203a",
  ),
  ...pairs('"', "\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb\u02dd"),
  // dashes, minus, bullets
  ...pairs("-", "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\u02d7\u2e3a\u2e3b"),
  ...pairs("-", "\u2022\u2023\u25e6\u2219\u25cf\u25aa"),
  ["\u00b7", "."], // middle dot: "Mo · Di", "l·l"; "-" would read as a range
  ["\u2026", "..."],
  // line breaks and tab (GSM has LF and CR only)
  ...pairs("\n", "\u2028\u2029\u0085"),
  ["\t", " "],
  // spacing accents, whose decomposition is a space plus a combining mark
  ["\u00a8", '"'],
  ["\u00af", "-"],
  ["\u00b8", ","],
  ["\u02c6", "^"],
  ["\u02dc", "~"],
  // symbols
  ["\u00a9", "(c)"],
  ["\u00ae", "(R)"],
  ["\u2122", "TM"],
  ["\u00d7", "x"],
  ["\u00f7", "/"],
  ["\u2044", "/"],
  ["\u2215", "/"],
  ["\u00a6", "|"],
  ["\u00b1", "+/-"],
  ["\u2260", "!="], // its decomposition is "=" + a negating overlay: stripping it would say "="
  ["\u2264", "<="],
  ["\u2265", ">="],
  ["\u2192", "->"],
  ["\u2190", "<-"],
  ["\u00b5", "u"], // micro sign: "µg" → "ug" (its decomposition, Greek mu, would give "M")
  // Latin letters without a decomposition, or where the decomposition is wrong for SMS
  ["\u00e7", "\u00c7"], // ç → Ç (see the header)
  ["\u1e9e", "SS"],
  ["\u0153", "oe"],
  ["\u0152", "OE"],
  ["\u0111", "d"],
  ["\u0110", "D"],
  ["\u00f0", "d"],
  ["\u00d0", "D"],
  ["\u0142", "l"],
  ["\u0141", "L"],
  ["\u0140", "l"],
  ["\u013f", "L"],
  ["\u0127", "h"],
  ["\u0126", "H"],
  ["\u0131", "i"],
  ["\u0167", "t"],
  ["\u0166", "T"],
  ["\u014b", "n"],
  ["\u014a", "N"],
  ["\u00fe", "th"],
  ["\u00de", "Th"],
  ["\u0138", "k"],
  ["\u0192", "f"],
  // Greek: capitals that look Latin → Latin; lower case → the GSM (Greek or Latin) capital
  ...[..."ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ"].map((char, i): [string, string] => [char, "ABEZHIKMNOPTYX"[i] ?? "?"]),
  ...[..."αβγδεζηθικλμνξοπρσςτυφχψω"].map((char, i): [string, string] => [
    char,
    "ABΓΔEZHΘIKΛMNΞOΠPΣΣTYΦXΨΩ"[i] ?? "?",
  ]),
  // Cyrillic lookalikes
  ...[..."АВЕКМНОРСТХЅІЈаеорсухѕіј"].map((char, i): [string, string] => [
    char,
    "ABEKMHOPCTXSIJaeopcyxsij"[i] ?? "?",
  ]),
]);

const SPACE = /^\p{Zs}$/u;
const DROPPED = /^[\p{M}\p{Cf}]$/u;
/** Overlays that negate or strike the base (≠ is "=" + U+0338): stripping them would invert meaning. */
const OVERLAY = /[\u0334-\u0338\u20d2\u20d3\u20d8-\u20da\u20e5\u20e6\u20ea\u20eb]/u;
const MARKS = /\p{M}/gu;
const VARIATION_SELECTORS = /[\ufe00-\ufe0f]/gu;
const EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}/u;

// Grapheme clusters so that an emoji sequence of several code points becomes one "?".
const graphemes = new Intl.Segmenter("en", { granularity: "grapheme" });

/** A single code point GSM lacks → its replacement by the table or its accent-less decomposition. */
function mapDecomposed(char: string): string | undefined {
  const mapped = TRANSLITERATIONS.get(char);
  if (mapped !== undefined) return mapped;
  if (isGsm7(char)) return char;
  if (SPACE.test(char)) return " ";
  return undefined;
}

function mapCodePoint(char: string): string {
  if (isGsm7(char)) return char;
  const mapped = TRANSLITERATIONS.get(char);
  if (mapped !== undefined) return mapped;
  if (SPACE.test(char)) return " ";
  if (DROPPED.test(char)) return "";
  const decomposed = char.normalize("NFKD");
  if (decomposed !== char && !OVERLAY.test(decomposed)) {
    const base = decomposed.replace(MARKS, "");
    if (base.trim() !== "") {
      let out = "";
      for (const part of base) {
        const partMapped = mapDecomposed(part);
        if (partMapped === undefined) return "?";
        out += partMapped;
      }
      return out;
    }
  }
  return "?";
}

function mapGrapheme(cluster: string): string {
  if (isGsm7(cluster)) return cluster;
  const bare = cluster.replace(VARIATION_SELECTORS, "");
  const codePoints = [...bare];
  if (codePoints.length > 1 && EMOJI.test(bare)) return "?";
  return codePoints.map(mapCodePoint).join("");
}

/** The text in GSM 03.38 characters only; composed (NFC) first so that "e" + U+0301 keeps its é. */
export function transliterate(text: string): string {
  if (isGsm7(text)) return text;
  let out = "";
  for (const { segment } of graphemes.segment(text.normalize("NFC"))) out += mapGrapheme(segment);
  return out;
}
