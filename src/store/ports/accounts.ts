import type { ServiceCode } from "../../core/message.js";
import type { Micros } from "../../core/money.js";

export type AccountStatus = "active" | "disabled";

export interface Account {
  id: number;
  name: string;
  /** ISO 3166 alpha-2; national numbers are read in this country. */
  country: string;
  currency: string;
  balanceMicros: Micros;
  /** Unix ms of the last balance change. */
  balanceChangedAt: number;
  status: AccountStatus;
  services: ServiceCode[];
  /** Default for is_text_deleted when a request does not say. */
  isTextDeleted: boolean;
  /** IANA time zone for FullSMS send_at. */
  timezone: string;
  /** FullSMS: campaigns need the balance above this. */
  minBalanceMicros: Micros;
  allowShortLinks: boolean;
  /**
   * Recipients must be in ranges libphonenumber knows as allocated ("valid"); otherwise (absent or false)
   * every number of a possible length is sendable. See core/phone.ts NumberRule.
   */
  strictNumbers?: boolean;
  /** Secret for signing webhook bodies (HMAC-SHA256). */
  webhookSecret: string;
  createdAt: number;
}

/**
 * An account as authentication knows it: everything but the balance. The SQLite store may answer it from
 * a cache (see store/sql/credential-cache.ts) that the balance would make stale on every send, so whoever
 * needs the balance reads the account itself.
 */
export type AccountProfile = Omit<Account, "balanceMicros" | "balanceChangedAt">;

export interface NewAccount {
  name: string;
  country: string;
  currency: string;
  balanceMicros: Micros;
  webhookSecret: string;
  services?: ServiceCode[];
  timezone?: string;
}

export type AccountPatch = Partial<
  Pick<
    Account,
    "name" | "status" | "services" | "isTextDeleted" | "timezone" | "minBalanceMicros" | "allowShortLinks" | "strictNumbers"
  >
>;

export interface ApiKey {
  id: number;
  accountId: number;
  /** Hex SHA-256 of the secret; the secret itself is never stored. */
  secretHash: string;
  name: string | null;
  createdAt: number;
  revokedAt: number | null;
}

export interface AccountStore {
  create(account: NewAccount, now: number): Promise<Account>;
  get(id: number): Promise<Account | undefined>;
  list(): Promise<Account[]>;
  count(): Promise<number>;
  update(id: number, patch: AccountPatch): Promise<Account | undefined>;
  /** Adds (or with a negative amount removes) credit; returns the new balance, undefined if no account. */
  adjustBalance(id: number, deltaMicros: Micros, now: number): Promise<Micros | undefined>;
}

export interface KeyStore {
  create(accountId: number, secretHash: string, name: string | null, now: number): Promise<ApiKey>;
  /** The key and its account in one read: the hot path of every request. */
  findWithAccount(keyId: number): Promise<{ key: ApiKey; account: AccountProfile } | undefined>;
  list(accountId: number): Promise<ApiKey[]>;
  revoke(keyId: number, now: number): Promise<boolean>;
}

export interface PriceStore {
  /** Price per part for a country; undefined when the operator set none. */
  get(iso2: string): Promise<Micros | undefined>;
  set(iso2: string, pricePerPartMicros: Micros): Promise<void>;
  list(): Promise<{ iso2: string; pricePerPartMicros: Micros }[]>;
}
