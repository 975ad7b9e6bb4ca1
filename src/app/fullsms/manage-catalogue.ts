/** Operator actions on what backs FullSMS `from` and `template_id`: numbers, sender IDs, templates. */
import { countryOf, normalisePhone } from "../../core/phone.js";
import { AppError } from "../../errors.js";
import type { Account, AccountNumber, MessageTemplate, SenderId } from "../../store/ports/index.js";
import type { AppDeps } from "../deps.js";
import { lengthViolation } from "./message-text.js";
import { numberDigits } from "./phone-input.js";

export async function accountOrThrow(deps: AppDeps, accountId: number): Promise<Account> {
  const account = await deps.store.accounts.get(accountId);
  if (!account) throw new AppError("not_found", `account ${accountId} not found`);
  return account;
}

const ISO2 = /^[A-Z]{2}$/;
/** International digits as an operator may write them: "+44…", "0044…", or "44…" (not a national "0…"). */
const INTERNATIONAL = /^(?:\+|00)?[1-9]\d{2,14}$/;

/**
 * Assigns a number. A number with a country code is international, the way the FullSMS document writes
 * numbers ("441111111111", "+447700900123", "0044…"), and its country is the number's own; only a
 * national form ("07911 123456") is read in `country` or else the account's country. A number of a
 * possible length is stored as its E.164 digits, `recognised` when its range is allocated; anything else
 * international is stored as written, because the operator's inventory is the authority on its numbers.
 */
export async function addNumber(
  deps: AppDeps,
  accountId: number,
  input: string,
  country?: string,
): Promise<{ number: AccountNumber; recognised: boolean }> {
  const account = await accountOrThrow(deps, accountId);
  const iso2 = country?.toUpperCase();
  if (iso2 !== undefined && !ISO2.test(iso2)) throw new AppError("validation", `not an ISO 3166 alpha-2 country: ${country}`);
  const compact = input.trim().replace(/[\s().\-/]/g, "");
  const written = /^[1-9]\d*$/.test(compact) ? `+${compact}` : compact;
  const home = iso2 ?? account.country;
  const parsed = normalisePhone(written, home);
  if (!parsed && !INTERNATIONAL.test(compact)) throw new AppError("validation", `not an international number: ${input}`);
  const digits = parsed ? parsed.e164.slice(1) : numberDigits(compact);
  const added = await deps.store.fullsms.numbers.add(
    account.id,
    digits,
    iso2 ?? parsed?.iso2 ?? countryOf(`+${digits}`) ?? account.country,
    deps.clock.now(),
  );
  if (added === "taken") throw new AppError("conflict", `number ${digits} is already assigned`);
  return { number: added, recognised: normalisePhone(written, home, "valid") !== null };
}

export async function removeNumber(deps: AppDeps, accountId: number, input: string): Promise<void> {
  const account = await accountOrThrow(deps, accountId);
  const candidates = new Set([numberDigits(input)]);
  const parsed = normalisePhone(input, account.country);
  if (parsed) candidates.add(parsed.e164.slice(1));
  for (const digits of candidates) {
    if (await deps.store.fullsms.numbers.remove(account.id, digits)) return;
  }
  throw new AppError("not_found", `number ${input} is not assigned to account ${accountId}`);
}

/** Alphanumeric sender IDs as networks carry them: 1–11 letters, digits or spaces, at least one letter. */
const SENDER_ID = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;

export async function requestSenderId(deps: AppDeps, accountId: number, name: string): Promise<SenderId> {
  await accountOrThrow(deps, accountId);
  const trimmed = name.trim();
  if (!SENDER_ID.test(trimmed)) {
    throw new AppError("validation", "a sender ID is 1-11 letters, digits or spaces, with at least one letter");
  }
  return deps.store.fullsms.senderIds.request(accountId, trimmed, deps.clock.now());
}

export async function decideSenderId(deps: AppDeps, id: number, approve: boolean): Promise<SenderId> {
  const decided = await deps.store.fullsms.senderIds.decide(id, approve ? "approved" : "rejected", deps.clock.now());
  if (!decided) throw new AppError("not_found", `sender ID ${id} not found`);
  return decided;
}

export async function createTemplate(
  deps: AppDeps,
  accountId: number,
  name: string,
  content: string,
): Promise<MessageTemplate> {
  await accountOrThrow(deps, accountId);
  if (!name.trim() || name.length > 100) throw new AppError("validation", "a template name is 1-100 characters");
  if (!content.trim()) throw new AppError("validation", "a template needs content");
  const tooLong = lengthViolation(content, "content");
  if (tooLong) throw new AppError("validation", tooLong.message ?? tooLong.kind);
  return deps.store.fullsms.templates.create(accountId, name.trim(), content, deps.clock.now());
}
