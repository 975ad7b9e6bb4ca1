/**
 * FullSMS `from`: one of the account's numbers or one of its approved sender IDs. Anything that looks
 * like a phone number is judged as a number, so a typo in a number is never mistaken for a sender ID.
 */
import { normalisePhone } from "../../core/phone.js";
import { AppError } from "../../errors.js";
import type { AccountProfile } from "../../store/ports/index.js";
import type { AppDeps } from "../deps.js";
import { looksLikeNumber, numberDigits, senderOfNumber } from "./phone-input.js";

/** The sender ID to put on the message, or 403 (number_not_owned / sender_not_approved). */
export async function resolveSender(deps: AppDeps, account: AccountProfile, from: string): Promise<string> {
  const { fullsms } = deps.store;
  const trimmed = from.trim();
  if (looksLikeNumber(trimmed)) {
    // "441111111111", "+44 1111 111111", "0044…" and the account's national "0…" form all match.
    const candidates = new Set([numberDigits(trimmed)]);
    const national = /^0[1-9]/.test(trimmed) ? normalisePhone(trimmed, account.country) : null;
    if (national) candidates.add(national.e164.slice(1));
    for (const digits of candidates) {
      const owned = await fullsms.numbers.find(digits);
      if (owned && owned.accountId === account.id) return senderOfNumber(owned.number);
    }
    throw new AppError("number_not_owned", "Number invalid, inactive or unknown");
  }
  if (await fullsms.senderIds.isApproved(account.id, trimmed)) return trimmed;
  throw new AppError("sender_not_approved", "Sender ID is not approved");
}
