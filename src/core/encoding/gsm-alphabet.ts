/**
 * The GSM 03.38 (3GPP TS 23.038) default alphabet and its extension table, and the conversion between
 * text and unpacked septets (one septet value per byte). National language shift tables are not used.
 *
 * Hand-written rather than taken from sms-segments-calculator: the library keeps its table private
 * (no export), has no reverse table (septet → char) and no escape handling for received text.
 */

/** Escape to the extension table (septet 0x1B); never a character on its own. */
export const ESC = 0x1b;

/** The basic table; index = septet value. The 0x1B slot is the escape and maps to no character. */
export const GSM_BASIC_TABLE =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ" +
  " !\"#¤%&'()*+,-./0123456789:;<=>?" +
  "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§" +
  "¿abcdefghijklmnopqrstuvwxyzäöñüà";

/** The extension table: septet after ESC → character. 0x0A is FORM FEED. */
export const GSM_EXTENSION_TABLE: ReadonlyMap<number, string> = new Map([
  [0x0a, "\f"],
  [0x14, "^"],
  [0x28, "{"],
  [0x29, "}"],
  [0x2f, "\\"],
  [0x3c, "["],
  [0x3d, "~"],
  [0x3e, "]"],
  [0x40, "|"],
  [0x65, "€"],
]);

/** UTF-16 code unit → septet, for the basic table. */
const BASIC_BY_CHAR = new Map<number, number>();
for (let septet = 0; septet < 128; septet++) {
  if (septet !== ESC) BASIC_BY_CHAR.set(GSM_BASIC_TABLE.charCodeAt(septet), septet);
}

/** UTF-16 code unit → septet following ESC, for the extension table. */
const EXTENSION_BY_CHAR = new Map<number, number>();
for (const [septet, char] of GSM_EXTENSION_TABLE) EXTENSION_BY_CHAR.set(char.charCodeAt(0), septet);

/** Septets a single character takes: 1 (basic), 2 (extension) or 0 (not in the alphabet). */
export function gsm7CharSeptets(codeUnit: number): 0 | 1 | 2 {
  if (BASIC_BY_CHAR.has(codeUnit)) return 1;
  if (EXTENSION_BY_CHAR.has(codeUnit)) return 2;
  return 0;
}

/** True when every character is in the basic or the extension table (the empty text is GSM). */
export function isGsm7(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (gsm7CharSeptets(text.charCodeAt(i)) === 0) return false;
  }
  return true;
}

/**
 * Length in septets: extension characters count 2. A character outside the alphabet counts 1 per code
 * point (what it costs once replaced by "?"); callers wanting the exact figure transliterate first.
 */
export function gsm7Length(text: string): number {
  let septets = 0;
  for (const char of text) {
    const cost = gsm7CharSeptets(char.charCodeAt(0));
    septets += cost === 0 ? 1 : cost;
  }
  return septets;
}

/** Unpacked septets, one per byte; extension characters as ESC + code. Throws on non-GSM input. */
export function toGsm7Septets(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2); // at most 2 septets per code unit; trimmed below
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const basic = BASIC_BY_CHAR.get(unit);
    if (basic !== undefined) {
      out[n++] = basic;
      continue;
    }
    const ext = EXTENSION_BY_CHAR.get(unit);
    if (ext === undefined) {
      const hex = unit.toString(16).toUpperCase().padStart(4, "0");
      throw new RangeError(`character U+${hex} at index ${i} is not in the GSM 03.38 alphabet`);
    }
    out[n++] = ESC;
    out[n++] = ext;
  }
  return out.slice(0, n);
}

/**
 * Inverse of toGsm7Septets. Received data is never rejected: values above 0x7F are read as their low
 * 7 bits; ESC followed by a code the extension table lacks shows the basic table's character for that
 * code (TS 23.038 6.2.1.1); ESC ESC (reserved for a further table) and a trailing lone ESC show a space.
 */
export function fromGsm7Septets(septets: Uint8Array): string {
  let out = "";
  for (let i = 0; i < septets.length; i++) {
    const septet = (septets[i] ?? 0) & 0x7f;
    if (septet !== ESC) {
      out += GSM_BASIC_TABLE[septet];
      continue;
    }
    i++;
    if (i >= septets.length) {
      out += " ";
      break;
    }
    const code = (septets[i] ?? 0) & 0x7f;
    out += code === ESC ? " " : (GSM_EXTENSION_TABLE.get(code) ?? GSM_BASIC_TABLE[code]);
  }
  return out;
}
