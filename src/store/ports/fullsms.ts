/**
 * What the FullSMS use cases need from storage. Every read that a customer can trigger takes the account
 * id, so another account's list, template or campaign is simply not found (tenant isolation by design).
 */
import type { PriorityLane } from "../../core/message.js";
import type { Micros } from "../../core/money.js";

export interface AccountNumber {
  id: number;
  accountId: number;
  /** International digits without "+", as FullSMS shows them. */
  number: string;
  country: string;
  createdAt: number;
}

export type SenderIdStatus = "pending" | "approved" | "rejected";

export interface SenderId {
  id: number;
  accountId: number;
  name: string;
  status: SenderIdStatus;
  createdAt: number;
  decidedAt: number | null;
}

export interface MessageTemplate {
  id: number;
  accountId: number;
  name: string;
  content: string;
  createdAt: number;
}

export interface ContactList {
  id: number;
  accountId: number;
  name: string;
  /** Upper-case; null when the list has none. */
  subscribeWord: string | null;
  createdAt: number;
}

export interface ContactListWithCount extends ContactList {
  /** Subscribed and not opted out of the account. */
  subscribedContacts: number;
}

export type CampaignKind = "numbers" | "lists";
export type CampaignStatus = "expanding" | "done" | "failed";

export interface Campaign {
  id: string;
  accountId: number;
  keyId: number | null;
  kind: CampaignKind;
  sender: string;
  text: string;
  templateId: number | null;
  listIds: number[];
  /** Unix seconds; 0 = now. */
  deliverAt: number;
  shortenLinks: boolean;
  /** Origin the short links point at, fixed at creation so a resumed campaign links the same way. */
  linkBase: string | null;
  priority: PriorityLane;
  ip: string | null;
  status: CampaignStatus;
  /** Last contact phone enqueued: where expansion resumes. */
  cursor: string | null;
  enqueued: number;
  skipped: number;
  debitedMicros: Micros;
  failureReason: string | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

export type NewCampaign = Omit<
  Campaign,
  "cursor" | "enqueued" | "skipped" | "debitedMicros" | "failureReason" | "updatedAt" | "finishedAt"
>;

export interface CampaignProgress {
  cursor: string | null;
  enqueued: number;
  skipped: number;
  debitedMicros: Micros;
}

export interface ShortLink {
  code: string;
  accountId: number;
  messageUuid: string;
  url: string;
  createdAt: number;
}

export interface LinkClick {
  id: number;
  code: string;
  messageUuid: string;
  url: string;
  ip: string | null;
  userAgent: string | null;
  referer: string | null;
  createdAt: number;
}

export interface NumberStore {
  /** "taken" when the number already belongs to an account (this one or another). */
  add(accountId: number, number: string, country: string, now: number): Promise<AccountNumber | "taken">;
  list(accountId: number): Promise<AccountNumber[]>;
  remove(accountId: number, number: string): Promise<boolean>;
  /** Whose number this is: for inbound messages. */
  find(number: string): Promise<AccountNumber | undefined>;
}

export interface SenderIdStore {
  /** A new request is pending; requesting an existing name returns it unchanged. */
  request(accountId: number, name: string, now: number): Promise<SenderId>;
  decide(id: number, status: SenderIdStatus, now: number): Promise<SenderId | undefined>;
  list(accountId: number, status?: SenderIdStatus): Promise<SenderId[]>;
  isApproved(accountId: number, name: string): Promise<boolean>;
}

export interface TemplateStore {
  create(accountId: number, name: string, content: string, now: number): Promise<MessageTemplate>;
  get(accountId: number, id: number): Promise<MessageTemplate | undefined>;
  list(accountId: number): Promise<MessageTemplate[]>;
}

export interface ContactListStore {
  create(accountId: number, name: string, subscribeWord: string | null, now: number): Promise<ContactList>;
  get(accountId: number, id: number): Promise<ContactList | undefined>;
  /** Without an account check: operator commands only. */
  getById(id: number): Promise<ContactList | undefined>;
  list(accountId: number): Promise<ContactListWithCount[]>;
  /** The ids among `ids` that are this account's lists. */
  existing(accountId: number, ids: number[]): Promise<Set<number>>;
  withSubscribeWord(accountId: number, word: string): Promise<ContactList[]>;
}

export interface ContactStore {
  /** Adds contacts (phones are E.164) in a few multi-row statements; re-subscribes ones that left the list. */
  add(listId: number, phones: string[], now: number): Promise<{ added: number; resubscribed: number }>;
  remove(listId: number, phone: string): Promise<boolean>;
  /**
   * The next `limit` distinct subscribed, not opted-out phones of these lists after `after`, in phone
   * order: keyset pagination, so a list of any size is walked in constant memory.
   */
  nextRecipients(accountId: number, listIds: number[], after: string | null, limit: number): Promise<string[]>;
  /** Opts a phone out of every list of the account (and remembers it for contacts added later). */
  optOut(accountId: number, phone: string, now: number): Promise<void>;
  /** An explicit subscribe lifts the account-wide opt-out. */
  clearOptOut(accountId: number, phone: string): Promise<void>;
  optedOut(accountId: number, phones: string[]): Promise<Set<string>>;
}

export interface CampaignStore {
  create(campaign: NewCampaign, progress?: Partial<CampaignProgress>): Promise<void>;
  get(accountId: number, id: string): Promise<Campaign | undefined>;
  /** Without an account check: operator commands and the runner. */
  getById(id: string): Promise<Campaign | undefined>;
  /** Takes the expansion lease if it is free or lapsed; false when another runner holds it. */
  claim(id: string, owner: string, now: number, leaseUntil: number): Promise<boolean>;
  /** Records progress and renews the lease; false when the lease was lost (stop expanding). */
  progress(id: string, owner: string, progress: CampaignProgress, now: number, leaseUntil: number): Promise<boolean>;
  finish(id: string, status: "done" | "failed", reason: string | null, progress: CampaignProgress, now: number): Promise<void>;
  /** Ids of campaigns still expanding (to resume after a restart) and when their lease lapses. */
  expanding(): Promise<{ id: string; leaseUntil: number | null }[]>;
  /**
   * What is really enqueued, from the messages themselves: each batch commits whole, so the greatest
   * phone among the campaign's messages is where expansion stopped, whatever the campaign row says.
   */
  committed(id: string): Promise<{ lastPhone: string | null; enqueued: number; debitedMicros: Micros }>;
}

export interface ShortLinkStore {
  createMany(links: ShortLink[]): Promise<void>;
  deleteMany(codes: string[]): Promise<void>;
  get(code: string): Promise<ShortLink | undefined>;
  recordClick(link: ShortLink, click: { ip: string | null; userAgent: string | null; referer: string | null }, now: number): Promise<void>;
  /** The message's links (empty when it has none or belongs to another account). */
  forMessage(accountId: number, messageUuid: string): Promise<ShortLink[]>;
  clicks(accountId: number, messageUuid: string, page: { offset: number; limit: number }): Promise<{ items: LinkClick[]; total: number }>;
}

export interface FullsmsStore {
  numbers: NumberStore;
  senderIds: SenderIdStore;
  templates: TemplateStore;
  lists: ContactListStore;
  contacts: ContactStore;
  campaigns: CampaignStore;
  shortLinks: ShortLinkStore;
}
