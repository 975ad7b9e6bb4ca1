import type { DeliveryEvent } from "../../core/delivery/state.js";
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
  /** Earlier attempts whose outcome was unknown (sent, never answered). */
  unknownOutcomes?: number;
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
      /** This attempt was sent and never answered (counted in the queue row's unknown_outcomes). */
      unknownOutcome?: boolean;
      /** When this attempt was sent (unix ms): an unknown outcome's copy is looked for from then. */
      sentAt?: number;
      /** The connector that answered this attempt; absent when none was tried (none up, no route). */
      connectorId?: string;
    }
  /**
   * Ends the message (and refunds it), but only while `owner` still holds the lease: a claim that lapsed
   * and was taken over may have been submitted by its new holder meanwhile.
   */
  | {
      kind: "failed";
      owner: string;
      message: Message;
      statusCode: number;
      dlrCode: number;
      refund: boolean;
      error: string;
      /** The connector that answered this attempt; absent when none was tried (none up, no route). */
      connectorId?: string;
      /** This last attempt was sent and never answered (a single-part message): kept for its copy's receipt. */
      unknownOutcome?: boolean;
      sentAt?: number;
    };

/**
 * Renders a domain event as the webhook an account's callback URLs receive: the dialect's payload (the
 * composition root passes LOX24's). The store writes the result to the outbox in the transaction of the change.
 */
export type WebhookRenderer = (event: DeliveryEvent) => { name: string; data: unknown };

/** Without a dialect's renderer, the domain event itself (for tools that open a store on their own). */
export const neutralWebhook: WebhookRenderer = (event) => ({ name: event.type, data: event });

export interface ReceiptUpdate {
  connectorId: string;
  smscId: string;
  state: PartState;
  errorCode?: number;
  /**
   * What the receipt says of its message, kept while its id matches no part: a copy whose submit outcome
   * was unknown is found by them (core/delivery/unknown-receipts.ts). `source` is the original destination,
   * `destination` the original source, `submittedAt` the SMSC's submit date (unix ms), `text` its start.
   */
  source?: string;
  destination?: string;
  submittedAt?: number;
  text?: string;
}

/** A submitted part whose receipt has not come: what the gateway needs to ask the SMSC about it. */
export interface EnRoutePart {
  messageUuid: string;
  partIndex: number;
  connectorId: string;
  smscId: string;
  /** The message's sender, as submitted (query_sm names it). */
  source: string;
  /** When the part was submitted (unix ms). */
  submittedAt: number;
}

export interface DeliveryStore {
  /** Leases up to `limit` due queue rows, transactional lane first; lapsed leases are taken over. */
  claimDue(owner: string, now: number, limit: number, leaseMs: number, onlyPriority?: number): Promise<ClaimedMessage[]>;
  /**
   * Leases these queue rows if they are due and free (rows leased by another holder, gone or not yet due
   * are left out): the dispatcher's direct claim of transactional messages just accepted in this process.
   */
  claimQueued(owner: string, uuids: readonly string[], now: number, leaseMs: number): Promise<ClaimedMessage[]>;
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
  /**
   * Parts still en route, of messages not yet final, submitted in [since, before), oldest first, after
   * `cursor` (the last one a previous page returned), at most `limit`.
   */
  enRouteParts(
    since: number,
    before: number,
    limit: number,
    cursor?: Pick<EnRoutePart, "submittedAt" | "messageUuid" | "partIndex">,
  ): Promise<EnRoutePart[]>;
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
  /** `data` as stored (JSON), when the store has it at hand: the body is built from it without serialising again. */
  dataJson?: string;
  createdAt: number;
  attempts: number;
  /** The receiver's own timeout for a post, when it has one (`webhooks timeout`); else the configured default. */
  timeoutMs?: number | null;
}

/** The POST a webhook result comes from, kept as an attempt row for the console's message timeline. */
export interface WebhookPost {
  at: number;
  /** The receiver's URL without its query (which may carry a token). */
  url: string;
  /** null when no HTTP answer came (timeout, refused connection). */
  httpStatus: number | null;
  /** The message the event reports, when it reports one. */
  messageUuid: string | null;
}

/** `post` is absent when nothing was posted (an event deferred while its receiver is paused). */
export type WebhookAttempt =
  | { id: string; delivered: true; post?: WebhookPost }
  | { id: string; delivered: false; attempts: number; nextAttemptAt: number | null; error: string; post?: WebhookPost };

export interface Webhook {
  id: number;
  accountId: number;
  url: string;
  createdAt: number;
  /** How long a post to this receiver may take; null = the configured default (`webhooks.timeoutMs`). */
  timeoutMs: number | null;
}

/**
 * This process's webhook dispatcher, told of events as the delivery writer commits them, so that it need
 * not claim them back from the outbox (issue 12). The rows stay the durable record: an event handed over is
 * written already leased to this process, and if the process dies before recording its result, the lease
 * lapses and a claim (here after a restart, or in another process) finds it again.
 */
export interface OutboxListener {
  /**
   * Asked inside the transaction that writes an event for `url`: the lease (ms) under which this process
   * will post it itself, or undefined to leave it to the claims (the receiver is full or paused, or may
   * still have older events waiting in the outbox). No side effect may assume the transaction commits.
   */
  leaseFor(url: string, timeoutMs: number | null): number | undefined;
  /**
   * After that transaction: the URLs for which it left events to the claims (once per event), and, when it
   * committed, the events leased for this process in the order they were written (none when it failed).
   */
  settled(declinedUrls: readonly string[], taken: readonly OutboxItem[]): void;
}

export interface WebhookStore {
  /**
   * Registers (or, with undefined, removes) the listener to which the delivery writer hands new events after
   * commit. A store that cannot (the in-memory one) leaves it out: its events are claimed as before.
   */
  listen?(listener: OutboxListener | undefined): void;
  add(accountId: number, url: string, now: number, timeoutMs?: number | null): Promise<Webhook>;
  list(accountId: number): Promise<Webhook[]>;
  remove(id: number): Promise<boolean>;
  /** Sets (or, with null, clears) a receiver's own timeout; false if there is no such webhook. */
  setTimeout(id: number, timeoutMs: number | null): Promise<boolean>;
  /** Writes one outbox row per callback URL of the account (none if it has no URL). */
  enqueue(accountId: number, name: string, data: unknown, now: number): Promise<void>;
  /** Leases due events, oldest first, leaving out those to `exceptUrls` (receivers that are full or paused). */
  claimDue(now: number, limit: number, leaseMs: number, exceptUrls?: readonly string[]): Promise<OutboxItem[]>;
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
