/** Phone numbers as FullSMS clients and operators write them, read the FullSMS way. */
import { type NumberRule, normalisePhone } from "../../core/phone.js";

const NUMBER_LIKE = /^\+?[\d\s().\-/]+$/;

export const looksLikeNumber = (from: string): boolean => NUMBER_LIKE.test(from.trim()) && /\d/.test(from);

/**
 * A recipient as FullSMS documents it: E.164, usually without "+" ("972541111111"). Bare digits are
 * therefore international only, never tried as a national number of the account's country (where
 * they could be a valid but different number); a leading 0 still means national.
 */
export function recipientE164(input: string, country: string, rule: NumberRule = "possible"): string | undefined {
  const compact = input.trim().replace(/[\s().\-/]/g, "");
  return normalisePhone(/^[1-9]\d*$/.test(compact) ? `+${compact}` : input, country, rule)?.e164;
}

/** International digits without "+" or "00": how account numbers are stored and compared. */
export function numberDigits(input: string): string {
  const digits = input.replace(/\D/g, "");
  return input.trim().startsWith("+") ? digits : digits.replace(/^00/, "");
}

/** How a number is written as a message's sender: "+" and digits, or a short code as it is. */
export const senderOfNumber = (digits: string): string => (digits.length > 8 ? `+${digits}` : digits);
