/**
 * The interfaces the application needs from storage, in its own words. Adapters (SQLite, PostgreSQL)
 * implement them; use cases receive a Store and never see SQL.
 */
import type { AccountStore, KeyStore, PriceStore } from "./accounts.js";
import type { DeliveryStore, InboundStore, WebhookStore } from "./delivery.js";
import type { FullsmsStore } from "./fullsms.js";
import type { MessageStore } from "./messages.js";
import type { AdminStore, OperatorStore } from "./operator.js";
import type { OtpStore } from "./otp.js";
import type { FraudStore, IdempotencyStore } from "./safety.js";
import type { SmppServerStore } from "./smpp-server.js";

export * from "./accounts.js";
export * from "./delivery.js";
export * from "./fullsms.js";
export * from "./messages.js";
export * from "./operator.js";
export * from "./otp.js";
export * from "./safety.js";
export * from "./smpp-server.js";

export interface Store {
  readonly kind: "sqlite" | "postgres";
  accounts: AccountStore;
  keys: KeyStore;
  prices: PriceStore;
  /** Price per voice call by destination country (the "part" of a call is the whole call). */
  voicePrices: PriceStore;
  messages: MessageStore;
  otp: OtpStore;
  fullsms: FullsmsStore;
  delivery: DeliveryStore;
  webhooks: WebhookStore;
  inbound: InboundStore;
  /** Safe sending (issue 16): idempotency keys and the anti-pumping rules' data. */
  idempotency: IdempotencyStore;
  fraud: FraudStore;
  smppServer: SmppServerStore;
  /** Cross-account reads for the console and metrics. */
  operator: OperatorStore;
  /** Operators of the console and their sessions. */
  admins: AdminStore;
  /** Key/value facts the gateway keeps about itself (e.g. generated secrets). */
  settings: {
    get(key: string): Promise<string | undefined>;
    setIfAbsent(key: string, value: string): Promise<string>;
    set(key: string, value: string): Promise<void>;
    delete(key: string): Promise<void>;
  };
  close(): Promise<void>;
}
