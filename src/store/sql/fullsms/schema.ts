/**
 * FullSMS tables for Kysely (migration 003-fullsms). Same portable conventions as the core tables:
 * integers for flags and unix-ms times, text for uuids, bigint for money in micros.
 */
import type { Generated } from "kysely";

/** Numbers assigned to an account: what `from` may be, and where inbound messages land. */
export interface AccountNumbersTable {
  id: Generated<number>;
  account_id: number;
  /** International digits without "+" (as FullSMS shows them); unique across accounts. */
  number: string;
  country: string;
  created_at: number;
}

export interface SenderIdsTable {
  id: Generated<number>;
  account_id: number;
  name: string;
  /** pending | approved | rejected */
  status: string;
  created_at: number;
  decided_at: number | null;
}

export interface MessageTemplatesTable {
  id: Generated<number>;
  account_id: number;
  name: string;
  content: string;
  created_at: number;
}

export interface ContactListsTable {
  id: Generated<number>;
  account_id: number;
  name: string;
  /** Stored upper-case; an inbound text equal to it subscribes the sender. */
  subscribe_word: string | null;
  created_at: number;
}

/** One row per (list, phone); the primary key is what campaign expansion walks in phone order. */
export interface ContactsTable {
  list_id: number;
  /** E.164 with "+". */
  phone: string;
  subscribed: number;
  created_at: number;
}

/** Numbers that asked an account to stop: skipped by every later campaign of that account. */
export interface OptOutsTable {
  account_id: number;
  phone: string;
  created_at: number;
}

export interface CampaignsTable {
  id: string;
  account_id: number;
  key_id: number | null;
  /** numbers | lists */
  kind: string;
  sender: string;
  /** The text as the client gave it (URLs not yet shortened). */
  text: string;
  template_id: number | null;
  /** Comma-separated list ids (kind = lists). */
  list_ids: string | null;
  /** Unix seconds; 0 = now. */
  deliver_at: number;
  shorten_links: number;
  /** Origin short links point at (`${link_base}/s/{code}`), fixed when the campaign was created. */
  link_base: string | null;
  priority: number;
  ip: string | null;
  /** expanding | done | failed */
  status: string;
  /** Last contact phone enqueued (keyset position). */
  cursor: string | null;
  enqueued: number;
  skipped: number;
  debited_micros: number;
  failure_reason: string | null;
  lease_owner: string | null;
  lease_until: number | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

export interface ShortLinksTable {
  code: string;
  account_id: number;
  message_uuid: string;
  url: string;
  created_at: number;
}

export interface LinkClicksTable {
  id: Generated<number>;
  code: string;
  account_id: number;
  message_uuid: string;
  ip: string | null;
  user_agent: string | null;
  referer: string | null;
  created_at: number;
}

export interface FullsmsTables {
  account_numbers: AccountNumbersTable;
  sender_ids: SenderIdsTable;
  message_templates: MessageTemplatesTable;
  contact_lists: ContactListsTable;
  contacts: ContactsTable;
  opt_outs: OptOutsTable;
  campaigns: CampaignsTable;
  short_links: ShortLinksTable;
  link_clicks: LinkClicksTable;
}
