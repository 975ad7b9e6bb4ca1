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
 * Which numbers are accepted: "possible" (the default) takes every number of a possible length for its
 * country (libphonenumber's possible-number check), so new ranges, test ranges and the FullSMS page's own
 * examples (972541111111) are sendable and only what cannot be dialled at all is refused; "valid" also
 * wants the range to be allocated in libphonenumber's metadata (an account option: strict numbers).
 */
export type NumberRule = "possible" | "valid";

/**
 * Returns null when the input is not a number under `rule`. Bare digits that begin with the account
 * country's calling code are read as international first ("491701234567" for a German account); other
 * bare digits as a national number first (a US account's "4155552671" must not become +41…). Every
 * reading is tried as a valid number before any is taken as merely possible, so a possible rule never
 * picks a worse reading of a number the strict rule would have understood.
 */
export function normalisePhone(input: string, country: string, rule: NumberRule = "possible"): NormalisedNumber | null {
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

  const parsed = candidates.map((c) => parsePhoneNumberFromString(c, country as CountryCode));
  if (rule === "possible" && parsed.length === 1) {
    // One reading (the usual +E.164 or national input): a possible number of at most 15 digits is taken
    // whether or not it is valid, with the same country either way, so isValid() (a third of the parse's
    // cost: pattern matches per number type) is only asked for what the possible check refuses (valid
    // numbers longer than E.164's 15 digits: German ones with extensions).
    const only = parsed[0];
    if (!only) return null;
    if (only.isPossible() && only.number.length <= 16) {
      return { e164: only.number, iso2: only.country ?? only.getPossibleCountries()[0] ?? null };
    }
    return only.isValid() ? { e164: only.number, iso2: only.country ?? null } : null;
  }
  const valid = parsed.find((p) => p?.isValid());
  if (valid) return { e164: valid.number, iso2: valid.country ?? null };
  if (rule === "valid") return null;
  // E.164 caps a number at 15 digits; some countries' possible lengths (German fixed lines) reach past it.
  const possible = parsed.find((p) => p?.isPossible() && p.number.length <= 16);
  // An unallocated range has no country of its own: the calling code's main country (+44 → GB) is it.
  if (!possible) return null;
  return { e164: possible.number, iso2: possible.country ?? possible.getPossibleCountries()[0] ?? null };
}

/** Country of an E.164 number, or null when libphonenumber cannot tell. */
export function countryOf(e164: string): string | null {
  return parsePhoneNumberFromString(e164)?.country ?? null;
}
