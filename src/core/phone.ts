/**
 * Phone number normalisation with libphonenumber-js (full metadata): E.164, "00" international prefix,
 * bare international digits, or a national number read in the account's country.
 */
import { type CountryCode, getCountryCallingCode, isSupportedCountry, parsePhoneNumberFromString } from "libphonenumber-js/max";

export interface NormalisedNumber {
  e164: string;
  iso2: string | null;
}

const DIGITS = /^\+?[\d\s().\-/]+$/;

/**
 * Returns null when the input is not a valid number (libphonenumber's full metadata). Bare digits that
 * begin with the account country's calling code are read as international first ("491701234567" for a
 * German account); other bare digits as a national number first (a US account's "4155552671" must not
 * become +41…).
 */
export function normalisePhone(input: string, country: string): NormalisedNumber | null {
  const raw = input.trim();
  if (!DIGITS.test(raw)) return null;
  const compact = raw.replace(/[\s().\-/]/g, "");
  const candidates: string[] = [];
  if (compact.startsWith("+")) candidates.push(compact);
  else if (compact.startsWith("00")) candidates.push(`+${compact.slice(2)}`);
  else if (compact.startsWith("0")) candidates.push(compact);
  else if (isSupportedCountry(country) && compact.startsWith(getCountryCallingCode(country as CountryCode))) {
    candidates.push(`+${compact}`, compact);
  } else candidates.push(compact, `+${compact}`);

  for (const candidate of candidates) {
    const parsed = parsePhoneNumberFromString(candidate, country as CountryCode);
    if (parsed?.isValid()) return { e164: parsed.number, iso2: parsed.country ?? null };
  }
  return null;
}

/** Country of an E.164 number, or null when libphonenumber cannot tell. */
export function countryOf(e164: string): string | null {
  return parsePhoneNumberFromString(e164)?.country ?? null;
}
