/**
 * One batch of a FullSMS send: a message per phone through the one send path (prepareMessage →
 * acceptMessages), short links stored alongside, one debit for the whole batch.
 */
import type { Message, PriorityLane } from "../../core/message.js";
import type { Micros } from "../../core/money.js";
import { findUrls } from "../../core/urls.js";
import { isAppError } from "../../errors.js";
import type { AccountProfile, ShortLink } from "../../store/ports/index.js";
import type { AppDeps } from "../deps.js";
import { acceptMessages, prepareMessage } from "../send-message.js";
import { shortenUrls } from "./short-links.js";

/** What every message of one send shares. */
export interface CampaignPlan {
  account: AccountProfile;
  keyId: number | null;
  campaignId: string;
  text: string;
  senderId: string;
  /** Unix seconds; 0 = now. */
  deliverAt: number;
  priority: PriorityLane;
  ip: string | null;
  shortenLinks: boolean;
  linkBase: string | null;
}

export interface BatchOutcome {
  accepted: number;
  /** Phones the core refused as numbers (left out, the rest goes on). */
  skipped: number;
  debitedMicros: Micros;
  /** The last input phone dealt with (sent or skipped): the keyset cursor after this batch. */
  cursor: string | null;
  /** The balance did not cover the whole batch; `accepted` is the prefix it did cover. */
  outOfFunds: boolean;
  /** Out of funds: the price of the first message the balance could not pay (else 0). */
  unpaidMicros: Micros;
}

/**
 * Prices are read once per batch rather than once per message: the core asks the store for the
 * country's price on every prepareMessage, and a campaign is mostly a few countries.
 */
function withPriceCache(deps: AppDeps): AppDeps {
  const cache = new Map<string, Promise<Micros | undefined>>();
  const prices = deps.store.prices;
  const cached = {
    ...prices,
    get(iso2: string) {
      let price = cache.get(iso2);
      if (!price) {
        price = prices.get(iso2);
        cache.set(iso2, price);
      }
      return price;
    },
  };
  return { ...deps, store: { ...deps.store, prices: cached } };
}

/** A refusal of the number alone skips that recipient; anything else (e.g. no SMS service) is fatal. */
const isBadNumber = (error: unknown) =>
  isAppError(error) && error.code === "validation" && error.violations.every((v) => v.field === "phone");

interface Prepared {
  phone: string;
  message: Message;
  links: ShortLink[];
}

async function prepareAll(deps: AppDeps, plan: CampaignPlan, phones: string[]) {
  const batchDeps = withPriceCache(deps);
  const urls = plan.shortenLinks ? findUrls(plan.text) : [];
  const prepared: Prepared[] = [];
  let skipped = 0;
  for (const phone of phones) {
    const shortened = urls.length > 0 && plan.linkBase ? shortenUrls(plan.text, urls, plan.linkBase) : undefined;
    let message: Message;
    try {
      message = await prepareMessage(batchDeps, {
        account: plan.account,
        keyId: plan.keyId,
        text: shortened?.text ?? plan.text,
        senderId: plan.senderId,
        phone,
        deliveryAt: plan.deliverAt,
        ip: plan.ip,
        priority: plan.priority,
        bulkId: plan.campaignId,
      });
    } catch (error) {
      if (!isBadNumber(error)) throw error;
      skipped++;
      continue;
    }
    const now = message.createdAt;
    const links = (shortened?.links ?? []).map((l) => ({
      code: l.code,
      url: l.url,
      accountId: plan.account.id,
      messageUuid: message.uuid,
      createdAt: now,
    }));
    prepared.push({ phone, message, links });
  }
  return { prepared, skipped };
}

const sum = (items: Prepared[]) => items.reduce((total, p) => total + p.message.priceMicros, 0);

/**
 * Sends one batch. Links are stored before the messages so that a link in an accepted message always
 * resolves; links of messages that were refused are removed again. With `partial`, a balance that
 * does not cover the batch still sends the prefix it covers (a campaign sends what it can, then stops).
 */
export async function sendBatch(
  deps: AppDeps,
  plan: CampaignPlan,
  phones: string[],
  options: { partial: boolean },
): Promise<BatchOutcome> {
  const { prepared, skipped } = await prepareAll(deps, plan, phones);
  const cursor = phones.at(-1) ?? null;
  if (prepared.length === 0) return { accepted: 0, skipped, debitedMicros: 0, cursor, outOfFunds: false, unpaidMicros: 0 };

  const links = deps.store.fullsms.shortLinks;
  const allLinks = prepared.flatMap((p) => p.links);
  if (allLinks.length > 0) await links.createMany(allLinks);
  const dropLinks = async (items: Prepared[]) => {
    const codes = items.flatMap((p) => p.links.map((l) => l.code));
    if (codes.length > 0) await links.deleteMany(codes);
  };

  try {
    await acceptMessages(deps, plan.account.id, prepared.map((p) => p.message));
    return { accepted: prepared.length, skipped, debitedMicros: sum(prepared), cursor, outOfFunds: false, unpaidMicros: 0 };
  } catch (error) {
    if (!(options.partial && isAppError(error) && error.code === "insufficient_funds")) {
      await dropLinks(prepared);
      throw error;
    }
  }

  // Out of funds: send the prefix the current balance covers, once; a concurrent debit just means less.
  let budget = (await deps.store.accounts.get(plan.account.id))?.balanceMicros ?? 0;
  let count = 0;
  for (const p of prepared) {
    if (p.message.priceMicros > budget) break;
    budget -= p.message.priceMicros;
    count++;
  }
  let sent = prepared.slice(0, count);
  if (sent.length > 0) {
    try {
      await acceptMessages(deps, plan.account.id, sent.map((p) => p.message));
    } catch (error) {
      if (!(isAppError(error) && error.code === "insufficient_funds")) throw error;
      sent = [];
    }
  }
  await dropLinks(prepared.slice(sent.length));
  const last = sent.at(-1);
  return {
    accepted: sent.length,
    skipped,
    debitedMicros: sum(sent),
    // Phones skipped before the last sent one are dealt with too; those after it are not.
    cursor: last ? last.phone : null,
    outOfFunds: true,
    unpaidMicros: prepared[sent.length]?.message.priceMicros ?? 0,
  };
}
