/** What the SMPP server for customers keeps: logins, receipt requests, and deliver_sm waiting for a bind. */

export interface SmppAddressRecord {
  ton: number;
  npi: number;
  addr: string;
}

/** What an SMPP submit asked for its receipt; kept until the message is final. */
export interface SmppSubmitRecord {
  messageUuid: string;
  accountId: number;
  /** registered_delivery as sent (bits 0–1: 1 = receipt on success and failure, 2 = on failure only). */
  registeredDelivery: number;
  source: SmppAddressRecord;
  dest: SmppAddressRecord;
  /** Unix ms: the end of the message's validity; its receipt is kept until then. */
  validUntil: number;
  createdAt: number;
}

/** A delivery receipt as the outbox keeps it: everything its deliver_sm needs. */
export interface SmppReceiptBody {
  id: string;
  /** DELIVRD, EXPIRED, UNDELIV or REJECTD. */
  stat: string;
  err: number;
  submittedAt: number;
  doneAt: number;
  text: string;
  /** The handset (the original destination) and the ESME's source, as the submit had them. */
  handset: SmppAddressRecord;
  esme: SmppAddressRecord;
}

export interface SmppInboundBody {
  from: string;
  to: string;
  text: string;
}

export type SmppOutboxItem =
  | { id: number; accountId: number; kind: "receipt"; body: SmppReceiptBody; attempts: number }
  | { id: number; accountId: number; kind: "inbound"; body: SmppInboundBody; attempts: number };

export interface SmppServerStore {
  /** Gives an API key its SMPP login (replacing one it had). */
  setCredential(keyId: number, systemId: string, passwordHash: string, now: number): Promise<void>;
  findLogin(systemId: string): Promise<{ keyId: number; passwordHash: string } | undefined>;
  /** True when one of the account's keys has an SMPP login (inbound is kept for it only then). */
  hasLogin(accountId: number): Promise<boolean>;
  recordSubmit(record: SmppSubmitRecord): Promise<void>;
  forgetSubmit(messageUuid: string): Promise<void>;
  addInbound(accountId: number, body: SmppInboundBody, now: number, expiresAt: number): Promise<void>;
  /** Leases the oldest waiting items of these accounts (none leased by someone else). */
  claim(
    accountIds: readonly number[],
    now: number,
    limit: number,
    leaseMs: number,
  ): Promise<SmppOutboxItem[]>;
  /** The ESME acknowledged these: gone for good. */
  remove(ids: readonly number[]): Promise<void>;
  /** Not acknowledged: offered again from `at` on. */
  release(ids: readonly number[], at: number): Promise<void>;
  /**
   * Expires messages submitted over SMPP whose validity_period ended before they were handed to a network:
   * dlr 8, refunded, their events (and receipts) raised. Returns how many.
   */
  expireUnsent(now: number, limit: number): Promise<number>;
  /** Drops outbox items and receipt requests whose time has passed; returns how many. */
  purge(now: number): Promise<number>;
}
