/**
 * The interfaces the application needs from storage, in its own words. Adapters (SQLite, PostgreSQL)
 * implement them; use cases receive a Store and never see SQL.
 */
import type { AccountStore, KeyStore, PriceStore } from "./accounts.js";
import type { DeliveryStore, InboundStore, WebhookStore } from "./delivery.js";
import type { FullsmsStore } from "./fullsms.js";
import type { MessageStore } from "./messages.js";
import type { OtpStore } from "./otp.js";

export * from "./accounts.js";
export * from "./delivery.js";
export * from "./fullsms.js";
export * from "./messages.js";
export * from "./otp.js";

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
  /** Key/value facts the gateway keeps about itself (e.g. generated secrets). */
  settings: { get(key: string): Promise<string | undefined>; setIfAbsent(key: string, value: string): Promise<string> };
  close(): Promise<void>;
}
