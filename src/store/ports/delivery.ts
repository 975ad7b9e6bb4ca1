import type { AcceptedParts } from "../../core/delivery/submit.js";
import type { PartState } from "../../core/delivery-state.js";
import type { Message } from "../../core/message.js";

export type { AcceptedParts };

export interface ClaimedMessage {
  message: Message;
  /** Failed attempts so far. */
  attempts: number;
  /** Parts of a long message an earlier attempt got accepted: the next attempt resumes after them. */
  accepted?: AcceptedParts;
}

/** What happened to a claimed message; recorded in batches, each with its webhook events. */
export type DeliveryOutcome =
  /** `smscIds` of all parts, those accepted in earlier attempts first. */
  | { kind: "submitted"; message: Message; connectorId: string; smscIds: string[]; at: number }
  /**
   * Back to the queue for later, but only while `owner` still holds the lease: another may have taken it over.
   * `accepted`: the parts of a long message accepted so far, recorded so receipts find them and the next
   * claim resumes after them.
   */
  | {
      kind: "retry";
      owner: string;
      message: Message;
      dueAt: number;
      error: string;
      countAttempt: boolean;
      accepted?: AcceptedParts;
    }
  /**
   * Ends the message (and refunds it), but only while `owner` still holds the lease: a claim that lapsed
   * and was taken over may have been submitted by its new holder meanwhile.
   */
  | { kind: "failed"; owner: string; message: Message; statusCode: number; dlrCode: number; refund: boolean; error: string };

export interface ReceiptUpdate {
  connectorId: string;
  smscId: string;
  state: PartState;
  errorCode?: number;
}

export interface DeliveryStore {
  /** Leases up to `limit` due queue rows, transactional lane first; lapsed leases are taken over. */
  claimDue(owner: string, now: number, limit: number, leaseMs: number, onlyPriority?: number): Promise<ClaimedMessage[]>;
  /** Extends the leases `owner` still holds on these messages (claimed, not yet recorded) to `until`. */
  renewLeases(owner: string, uuids: string[], until: number): Promise<void>;
  record(outcomes: DeliveryOutcome[], now: number): Promise<void>;
  applyReceipts(receipts: ReceiptUpdate[], now: number): Promise<void>;
  /**
   * Maintenance: receipts still waiting for a submit that is recorded by now are applied, those waiting
   * since before `sentBefore` are dropped, and submitted messages with no final receipt since `sentBefore`
   * expire (dlr_code 8). Returns how many expired.
   */
  expireStale(sentBefore: number, now: number): Promise<number>;
  /** Rows still queued, per lane. */
  queueDepth(): Promise<{ transactional: number; bulk: number }>;
}

export interface OutboxItem {
  id: string;
  eventId: string;
  accountId: number;
  url: string;
  name: string;
  data: unknown;
  createdAt: number;
  attempts: number;
}

export type WebhookAttempt =
  | { id: string; delivered: true }
  | { id: string; delivered: false; attempts: number; nextAttemptAt: number | null; error: string };

export interface Webhook {
  id: number;
  accountId: number;
  url: string;
  createdAt: number;
}

export interface WebhookStore {
  add(accountId: number, url: string, now: number): Promise<Webhook>;
  list(accountId: number): Promise<Webhook[]>;
  remove(id: number): Promise<boolean>;
  /** Writes one outbox row per callback URL of the account (none if it has no URL). */
  enqueue(accountId: number, name: string, data: unknown, now: number): Promise<void>;
  claimDue(now: number, limit: number, leaseMs: number): Promise<OutboxItem[]>;
  /** Gives claimed events back unsent (their lease ends now), so the next claim, here or elsewhere, takes them. */
  release(ids: readonly string[]): Promise<void>;
  /**
   * Records the outcome of delivery attempts, all in one transaction: a delivered event is done; a failed
   * one gets another attempt at `nextAttemptAt`, or is given up (dead) when that is null.
   */
  recordAttempts(results: readonly WebhookAttempt[]): Promise<void>;
  counts(): Promise<Record<string, number>>;
}

export interface InboundMessage {
  uuid: string;
  accountId: number | null;
  connectorId: string;
  from: string;
  to: string;
  text: string;
  receivedAt: number;
}

export interface InboundStore {
  insert(message: InboundMessage): Promise<void>;
}
