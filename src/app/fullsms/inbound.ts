/**
 * Inbound SMS to an account's number, as far as contact lists are concerned: a stop word opts the
 * sender out of all the account's lists (and cancels campaign messages still waiting for them); a
 * list's subscribe word subscribes them to that list. Storing the message and raising the
 * `sms.incoming` webhook is the inbound path's job, not this one's.
 */
import { Priority } from "../../core/message.js";
import { isOptOut, keywordOf } from "../../core/opt-out.js";
import { normalisePhone } from "../../core/phone.js";
import type { AppDeps } from "../deps.js";
import { numberDigits } from "./phone-input.js";

export interface InboundSms {
  /** The handset, as received (E.164 with "+" from the SMPP path; national forms are read in the account's country). */
  from: string;
  /** The account's number it was sent to. */
  to: string;
  text: string;
  /** Unix milliseconds. */
  receivedAt: number;
}

export type InboundOutcome =
  | { action: "none" }
  | { action: "opted_out"; accountId: number; phone: string; cancelled: number }
  | { action: "subscribed"; accountId: number; phone: string; listIds: number[] };

/**
 * Campaign messages still queued for a number that just said stop: those created in the last week (an
 * index range, not a scan of the account's history), at most this many.
 */
const CANCEL_SCAN = 500;
const CANCEL_WINDOW_MS = 7 * 24 * 3600 * 1000;

export async function handleInboundForLists(deps: AppDeps, sms: InboundSms): Promise<InboundOutcome> {
  const { store } = deps;
  const owned = await store.fullsms.numbers.find(numberDigits(sms.to));
  if (!owned) return { action: "none" };
  const account = await store.accounts.get(owned.accountId);
  const phone = account && normalisePhone(sms.from, account.country)?.e164;
  if (!account || !phone) return { action: "none" };

  if (isOptOut(sms.text)) {
    await store.fullsms.contacts.optOut(account.id, phone, sms.receivedAt);
    const cancelled = await cancelWaitingCampaignMessages(deps, account.id, phone);
    return { action: "opted_out", accountId: account.id, phone, cancelled };
  }

  const word = keywordOf(sms.text);
  if (!word) return { action: "none" };
  const lists = await store.fullsms.lists.withSubscribeWord(account.id, word);
  if (lists.length === 0) return { action: "none" };
  // Texting the word is an explicit opt-in: it lifts an earlier stop for this account.
  await store.fullsms.contacts.clearOptOut(account.id, phone);
  for (const list of lists) await store.fullsms.contacts.add(list.id, [phone], sms.receivedAt);
  return { action: "subscribed", accountId: account.id, phone, listIds: lists.map((l) => l.id) };
}

/** Marketing that has not left yet is stopped too (refunded); transactional messages are not touched. */
async function cancelWaitingCampaignMessages(deps: AppDeps, accountId: number, phone: string): Promise<number> {
  const { items } = await deps.store.messages.list(accountId, {
    page: 1,
    perPage: CANCEL_SCAN,
    order: "asc",
    phone,
    statusCode: [0],
    createdFrom: deps.clock.now() - CANCEL_WINDOW_MS,
  });
  let cancelled = 0;
  for (const message of items) {
    if (message.bulkId === null || message.priority !== Priority.BULK) continue;
    const outcome = await deps.store.messages.cancel(accountId, message.uuid, deps.clock.now());
    if (outcome === "cancelled") cancelled++;
  }
  return cancelled;
}
