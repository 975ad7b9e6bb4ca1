import type { Message, PriorityLane } from "../../core/message.js";
import type { Micros } from "../../core/money.js";

/** Messages accepted in one go (one API call): debited as a whole and enqueued with them. */
export interface AcceptBatch {
  accountId: number;
  messages: Message[];
  /** Total to debit; the batch is refused whole if the balance does not cover it. */
  totalMicros: Micros;
  /** Unix ms at which each queue row becomes due (per message, same order). */
  dueAt: number[];
  now: number;
}

export type AcceptOutcome = "accepted" | "insufficient_funds" | "no_account";

export interface MessageQuery {
  page: number;
  perPage: number;
  order: "asc" | "desc";
  iso2?: string[];
  createdFrom?: number; // unix ms, inclusive
  createdTo?: number; // unix ms, inclusive
  createdAfter?: number; // exclusive
  createdBefore?: number; // exclusive
  statusCode?: number[];
  dlrCode?: number[];
  /** Exactly this E.164 number. */
  phone?: string;
  /** Any of these uuids. */
  uuids?: string[];
  /** Numbers containing any of these digit strings (LOX24's partial `phone` filter). */
  phoneContains?: string[];
  /** Text containing this, case-insensitively (LOX24's partial `text` filter). */
  textContains?: string;
  bulkId?: string;
}

export type CancelOutcome = "cancelled" | "not_found" | "already_transmitted";

export interface MessageStore {
  /** Stores the messages, their queue rows and the debit in one transaction (grouped with concurrent calls). */
  accept(batch: AcceptBatch): Promise<AcceptOutcome>;
  get(accountId: number, uuid: string): Promise<Message | undefined>;
  /** Without an account check: for the delivery path only. */
  getById(uuid: string): Promise<Message | undefined>;
  list(accountId: number, query: MessageQuery): Promise<{ items: Message[]; total: number }>;
  /** Cancels a message whose queue row is not claimed: status 6000, refund, queue row removed. */
  cancel(accountId: number, uuid: string, now: number): Promise<CancelOutcome>;
}

export type { PriorityLane };
