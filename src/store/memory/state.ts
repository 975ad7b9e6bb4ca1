/** The tables of the in-memory store: plain maps, shared by its ports. */
import type { UnknownAttempt } from "../../core/delivery/unknown-receipts.js";
import type { PartState } from "../../core/delivery-state.js";
import type { Message } from "../../core/message.js";
import type { Account, Webhook } from "../ports/index.js";

export interface QueueRow {
  dueAt: number;
  priority: number;
  attempts: number;
  /** Attempts sent and never answered, and leases that lapsed in their holder's hands. */
  unknownOutcomes?: number;
  leaseOwner: string | null;
  leaseUntil: number | null;
  lastError: string | null;
}

export interface PartRow {
  uuid: string;
  partIndex: number;
  connectorId: string;
  smscId: string;
  state: PartState | string;
  errorCode: number | null;
  updatedAt: number;
  resubmitted: boolean;
}

export interface WaitingReceipt {
  id: number;
  connectorId: string;
  smscId: string;
  state: PartState;
  errorCode: number | null;
  receivedAt: number;
  /** What it says of its message (source = the original destination): see core/delivery/unknown-receipts. */
  source?: string;
  destination?: string;
  submittedAt?: number;
  text?: string;
}

export interface OutboxRow {
  id: string;
  eventId: string;
  accountId: number;
  url: string;
  name: string;
  data: string;
  createdAt: number;
  attempts: number;
  nextAttemptAt: number;
  status: "pending" | "delivered" | "dead";
  leaseUntil: number | null;
  lastError: string | null;
}

export class MemoryTables {
  readonly accounts = new Map<number, Account>();
  readonly messages = new Map<string, Message>();
  readonly queue = new Map<string, QueueRow>();
  /** Parts by connector and SMSC id (several: ids repeat). */
  readonly partsById = new Map<string, PartRow[]>();
  /** A message's parts of its first submission, by part index. */
  readonly partsOf = new Map<string, Map<number, PartRow>>();
  readonly waiting: WaitingReceipt[] = [];
  /** Submit attempts whose outcome was unknown, until a receipt finds their copy or the validity period ends. */
  readonly unknownSubmits: UnknownAttempt[] = [];
  readonly webhooks = new Map<number, Webhook>();
  readonly outbox = new Map<string, OutboxRow>();
  nextId = 1;

  addPart(part: PartRow): boolean {
    if (!part.resubmitted) {
      const parts = this.partsOf.get(part.uuid) ?? new Map<number, PartRow>();
      this.partsOf.set(part.uuid, parts);
      if (parts.has(part.partIndex)) return false; // a first submission's part is recorded once
      parts.set(part.partIndex, part);
    } else if (
      (this.partsById.get(smscKey(part.connectorId, part.smscId)) ?? []).some(
        (p) => p.resubmitted && p.uuid === part.uuid,
      )
    ) {
      return false;
    }
    const key = smscKey(part.connectorId, part.smscId);
    this.partsById.set(key, [...(this.partsById.get(key) ?? []), part]);
    return true;
  }
}

export const smscKey = (connectorId: string, smscId: string) => `${connectorId}\0${smscId}`;
