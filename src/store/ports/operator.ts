/**
 * What the operator console and the metrics read across accounts: the queue's state, message search and
 * one message's trace; and the operators themselves (accounts of the console, not of customers).
 */
import type { Message } from "../../core/message.js";
import type { Campaign } from "./fullsms.js";

export interface QueueLaneStats {
  lane: "transactional" | "bulk";
  depth: number;
  /** due_at of the oldest row that is due and waiting (unix ms), null when none is. */
  oldestDueAt: number | null;
}

export interface MessageSearch {
  uuid?: string;
  /** Digits of the number, with or without "+"; matches a suffix of the stored E.164. */
  phone?: string;
  accountId?: number;
  statusCode?: number;
  dlrCode?: number;
  createdFrom?: number;
  createdTo?: number;
  limit: number;
}

export interface PartTrace {
  partIndex: number;
  connectorId: string;
  smscId: string;
  state: string;
  errorCode: number | null;
  updatedAt: number;
  /** A part of a later submission of the same message (after a lapsed lease). */
  resubmitted: boolean;
}

export interface WebhookTrace {
  url: string;
  name: string;
  status: string;
  attempts: number;
  createdAt: number;
  nextAttemptAt: number;
  lastError: string | null;
  /** The event's data (its dlr_code tells which change it reports). */
  data: unknown;
}

export interface MessageTrace {
  message: Message;
  /** The queue row while the message still waits for (re)submission. */
  queue: { dueAt: number; attempts: number; lastError: string | null; leased: boolean } | null;
  parts: PartTrace[];
  webhooks: WebhookTrace[];
}

/** One submit attempt outcome or webhook POST of a message, as the store keeps it (oldest first). */
export interface AttemptTrace {
  at: number;
  kind: "submit" | "webhook";
  /** submit: submitted | retry | failed; webhook: delivered | failed | dead. */
  outcome: string;
  connectorId: string | null;
  smscIds: string[];
  outboxId: string | null;
  url: string | null;
  httpStatus: number | null;
  error: string | null;
}

/** Messages per bucket of time, for the dashboard. */
export interface ThroughputBucket {
  /** Start of the bucket, unix ms. */
  at: number;
  accepted: number;
  delivered: number;
  failed: number;
}

export interface OperatorStore {
  queueStats(now: number): Promise<QueueLaneStats[]>;
  searchMessages(query: MessageSearch): Promise<Message[]>;
  trace(uuid: string): Promise<MessageTrace | undefined>;
  /** Every recorded submit attempt and webhook POST of a message, oldest first (at most 200). */
  attempts(uuid: string): Promise<AttemptTrace[]>;
  throughput(since: number, bucketMs: number): Promise<ThroughputBucket[]>;
  recentCampaigns(limit: number): Promise<Campaign[]>;
}

export interface Admin {
  id: number;
  name: string;
  /** scrypt$N$r$p$salt$hash (see app/admin/passwords.ts). */
  passwordHash: string;
  failedLogins: number;
  lockedUntil: number | null;
  /** True until the one-time password is replaced. */
  mustChangePassword: boolean;
  createdAt: number;
}

export interface AdminSession {
  admin: Admin;
  csrfToken: string;
  expiresAt: number;
}

export interface AdminStore {
  /** undefined when the name is taken. */
  create(name: string, passwordHash: string, now: number): Promise<Admin | undefined>;
  findByName(name: string): Promise<Admin | undefined>;
  list(): Promise<Admin[]>;
  /** A new hash; `oneTime` makes the operator replace it at the next login. Lifts a lockout. */
  setPassword(id: number, passwordHash: string, oneTime: boolean): Promise<void>;
  /** Counts a failed login; locks the operator until `lockUntil` when given. */
  loginFailed(id: number, lockUntil: number | null): Promise<void>;
  loginSucceeded(id: number): Promise<void>;
  createSession(
    tokenHash: string,
    adminId: number,
    csrfToken: string,
    expiresAt: number,
    now: number,
  ): Promise<void>;
  /** The live session with this token hash (expired ones are not returned). */
  session(tokenHash: string, now: number): Promise<AdminSession | undefined>;
  deleteSession(tokenHash: string): Promise<void>;
  /** Ends every session of an operator (password reset). */
  deleteSessionsOf(adminId: number): Promise<void>;
}
