/** Operator actions on contact lists and their contacts. */
import { OPT_OUT_WORDS, SUBSCRIBE_WORD, keywordOf } from "../../core/opt-out.js";
import { type NumberRule, normalisePhone } from "../../core/phone.js";
import { numberRuleOf } from "../number-rule.js";
import { AppError } from "../../errors.js";
import type { Account, Campaign, ContactList } from "../../store/ports/index.js";
import type { AppDeps } from "../deps.js";
import { accountOrThrow } from "./manage-catalogue.js";

export async function createList(
  deps: AppDeps,
  accountId: number,
  name: string,
  subscribeWord?: string,
): Promise<ContactList> {
  await accountOrThrow(deps, accountId);
  if (!name.trim() || name.length > 100) throw new AppError("validation", "a list name is 1-100 characters");
  let word: string | null = null;
  if (subscribeWord !== undefined) {
    word = keywordOf(subscribeWord);
    if (!SUBSCRIBE_WORD.test(word)) throw new AppError("validation", "a subscribe word is 1-30 letters, digits or spaces");
    // A stop word must always mean stop.
    if (OPT_OUT_WORDS.has(word)) throw new AppError("validation", `"${word}" is an opt-out word`);
  }
  return deps.store.fullsms.lists.create(accountId, name.trim(), word, deps.clock.now());
}

/** The list and its account (for reading national numbers in the account's country). */
export async function listWithAccount(deps: AppDeps, listId: number): Promise<{ list: ContactList; account: Account }> {
  const list = await deps.store.fullsms.lists.getById(listId);
  if (!list) throw new AppError("not_found", `list ${listId} not found`);
  return { list, account: await accountOrThrow(deps, list.accountId) };
}

function phoneOrThrow(input: string, country: string, rule: NumberRule = "possible"): string {
  const parsed = normalisePhone(input, country, rule);
  if (!parsed) throw new AppError("validation", `not a valid phone number: ${input}`);
  return parsed.e164;
}

export async function addContact(deps: AppDeps, listId: number, input: string) {
  const { list, account } = await listWithAccount(deps, listId);
  const phone = phoneOrThrow(input, account.country, numberRuleOf(account));
  const { added } = await deps.store.fullsms.contacts.add(list.id, [phone], deps.clock.now());
  const [optedOut] = await deps.store.fullsms.contacts.optedOut(account.id, [phone]);
  return { listId: list.id, phone, added: added > 0, optedOut: optedOut !== undefined };
}

export async function removeContact(deps: AppDeps, listId: number, input: string) {
  const { list, account } = await listWithAccount(deps, listId);
  const phone = phoneOrThrow(input, account.country);
  if (!(await deps.store.fullsms.contacts.remove(list.id, phone))) {
    throw new AppError("not_found", `${phone} is not on list ${listId}`);
  }
  return { listId: list.id, phone };
}

export async function showCampaign(deps: AppDeps, id: string): Promise<Campaign> {
  const campaign = await deps.store.fullsms.campaigns.getById(id);
  if (!campaign) throw new AppError("not_found", `campaign ${id} not found`);
  return campaign;
}
