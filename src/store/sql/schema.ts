/**
 * Table shapes for Kysely. Portable on purpose: integers for flags and times (unix ms), text for uuids
 * and JSON, bigint for money in micros; so one set of queries serves SQLite and PostgreSQL.
 */
import type { Generated } from "kysely";

export interface AccountsTable {
  id: Generated<number>;
  name: string;
  country: string;
  currency: string;
  balance_micros: number;
  balance_changed_at: number;
  status: string;
  services: string; // comma-separated service codes
  is_text_deleted: number;
  timezone: string;
  min_balance_micros: number;
  allow_short_links: number;
  /** 014: only allocated ranges are accepted as recipients. */
  strict_numbers: number;
  webhook_secret: string;
  created_at: number;
}

export interface ApiKeysTable {
  id: Generated<number>;
  account_id: number;
  secret_hash: string;
  name: string | null;
  created_at: number;
  revoked_at: number | null;
}

export interface PricesTable {
  iso2: string;
  price_micros: number;
}

export interface MessagesTable {
  uuid: string;
  account_id: number;
  key_id: number | null;
  text: string | null;
  sender_id: string;
  phone: string;
  iso2: string | null;
  delivery_at: number;
  status_code: number;
  dlr_code: number;
  gateway_sent_at: number;
  source: number | null;
  ip: string | null;
  created_at: number;
  is_unicode: number;
  encoding: string;
  voice_lang: string | null;
  parts_count: number;
  chars_count: number;
  callback_data: string | null;
  bulk_id: string | null;
  service_code: string;
  is_text_deleted: number;
  price_micros: number;
  is_sent: number;
  attempts_count_max: number | null;
  priority: number;
  updated_at: number;
}

/** The outbound queue: one row per message still to be (re)submitted. */
export interface QueueTable {
  message_uuid: string;
  priority: number;
  due_at: number;
  attempts: number;
  /** Who holds the claim, until when (unix ms); a lapsed lease is reclaimed. */
  lease_owner: string | null;
  lease_until: number | null;
  last_error: string | null;
}

/** A queue row as stored: the acceptance path inserts QueueTable, the database fills the rest. */
export type QueueRow = QueueTable & {
  /** Attempts sent and never answered (migration 013): the network may have the message. */
  unknown_outcomes: Generated<number>;
};

export interface SettingsTable {
  key: string;
  value: string;
}

export interface CoreTables {
  accounts: AccountsTable;
  api_keys: ApiKeysTable;
  prices: PricesTable;
  /** Price per voice call by destination country (migration 012). */
  voice_prices: PricesTable;
  messages: MessagesTable;
  queue: QueueRow;
  settings: SettingsTable;
}

export interface MessagePartsTable {
  message_uuid: string;
  part_index: number;
  connector_id: string;
  smsc_id: string;
  state: string;
  error_code: number | null;
  updated_at: number;
}

/** Parts of a message's later submissions (see migrations/005-resubmitted-parts.ts). */
export interface ResubmittedPartsTable {
  connector_id: string;
  smsc_id: string;
  message_uuid: string;
  part_index: number;
  state: string;
  error_code: number | null;
  updated_at: number;
}

export interface PendingReceiptsTable {
  id: Generated<number>;
  connector_id: string;
  smsc_id: string;
  state: string;
  error_code: number | null;
  received_at: number;
  /** Migration 016: what the receipt says of its message (source_addr normalised, see unknown-receipts). */
  source_addr: string | null;
  destination_addr: string | null;
  submitted_at: number | null;
  text_prefix: string | null;
}

/** A submit attempt of a message part whose outcome was unknown (migration 016). */
export interface UnknownSubmitsTable {
  id: Generated<number>;
  message_uuid: string;
  part_index: number;
  connector_id: string;
  destination: string;
  source: string;
  text_prefix: string;
  sent_at: number;
  recorded_at: number;
}

export interface WebhooksTable {
  id: Generated<number>;
  account_id: number;
  url: string;
  created_at: number;
  /** Migration 008; null = the configured default. */
  timeout_ms: number | null;
}

export interface WebhookOutboxTable {
  id: string;
  event_id: string;
  account_id: number;
  url: string;
  name: string;
  /** JSON of the event's `data`. */
  data: string;
  created_at: number;
  attempts: number;
  next_attempt_at: number;
  status: string; // pending | delivered | dead
  lease_until: number | null;
  last_error: string | null;
}

export interface DeliveryAttemptsTable {
  id: Generated<number>;
  message_uuid: string | null;
  at: number;
  kind: string;
  outcome: string;
  connector_id: string | null;
  smsc_ids: string | null;
  outbox_id: string | null;
  url: string | null;
  http_status: number | null;
  error: string | null;
}

export interface InboundMessagesTable {
  uuid: string;
  account_id: number | null;
  connector_id: string;
  sender: string;
  recipient: string;
  text: string;
  received_at: number;
}

export interface DeliveryTables {
  message_parts: MessagePartsTable;
  resubmitted_parts: ResubmittedPartsTable;
  pending_receipts: PendingReceiptsTable;
  unknown_submits: UnknownSubmitsTable;
  webhooks: WebhooksTable;
  webhook_outbox: WebhookOutboxTable;
  delivery_attempts: DeliveryAttemptsTable;
  inbound_messages: InboundMessagesTable;
}
