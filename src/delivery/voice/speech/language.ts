/**
 * voice_lang null: the language is detected from the text with franc (trigram statistics), restricted to
 * the twenty languages the API offers. Short texts carry too little evidence, so below a minimum length,
 * or when franc cannot tell, the destination country's language is used, and English after that.
 */
import { franc } from "franc";
import { VOICE_LANGS, type VoiceLang } from "../../../core/message.js";

/** ISO 639-3 (franc's codes) for each voice_lang. */
const ISO639_3: Readonly<Record<VoiceLang, string>> = {
  EN: "eng",
  DE: "deu",
  FR: "fra",
  IT: "ita",
  ES: "spa",
  PL: "pol",
  NL: "nld",
  RO: "ron",
  PT: "por",
  CS: "ces",
  HU: "hun",
  SV: "swe",
  DA: "dan",
  FI: "fin",
  SK: "slk",
  HR: "hrv",
  TR: "tur",
  RU: "rus",
  BG: "bul",
  UK: "ukr",
};
const BY_ISO = new Map(Object.entries(ISO639_3).map(([lang, iso]) => [iso, lang as VoiceLang]));

/** The language spoken in a destination country, where it is one of ours. */
const COUNTRY_LANG: Readonly<Record<string, VoiceLang>> = {
  GB: "EN",
  US: "EN",
  IE: "EN",
  AU: "EN",
  CA: "EN",
  NZ: "EN",
  DE: "DE",
  AT: "DE",
  CH: "DE",
  LI: "DE",
  FR: "FR",
  BE: "FR",
  LU: "FR",
  MC: "FR",
  IT: "IT",
  SM: "IT",
  ES: "ES",
  MX: "ES",
  AR: "ES",
  PL: "PL",
  NL: "NL",
  RO: "RO",
  MD: "RO",
  PT: "PT",
  BR: "PT",
  CZ: "CS",
  HU: "HU",
  SE: "SV",
  DK: "DA",
  FI: "FI",
  SK: "SK",
  HR: "HR",
  TR: "TR",
  RU: "RU",
  BY: "RU",
  KZ: "RU",
  BG: "BG",
  UA: "UK",
};

/** Fewer letters than this and detection guesses; franc itself needs ~10 to say anything at all. */
export const MIN_DETECT_LETTERS = 20;

export function isVoiceLang(value: string | null | undefined): value is VoiceLang {
  return value !== null && value !== undefined && (VOICE_LANGS as readonly string[]).includes(value);
}

export function detectLanguage(text: string, destinationIso2: string | null): VoiceLang {
  const letters = text.replace(/<[^>]*>/g, " ").replace(/[^\p{L}\s]/gu, "");
  if (letters.replace(/\s/g, "").length >= MIN_DETECT_LETTERS) {
    const found = BY_ISO.get(franc(letters, { only: Object.values(ISO639_3), minLength: 10 }));
    if (found) return found;
  }
  return (destinationIso2 && COUNTRY_LANG[destinationIso2]) || "EN";
}
