/**
 * A message's delivery state as the delivery rules see it, the changes they decide and the domain events
 * those raise. Plain data: the rules are pure functions over it (rules.ts, receipts.ts), a store reads the
 * state and persists what they return.
 */
import type { PartState } from "../delivery-state.js";

/** What an event says about its message (who gets it, what the customer attached). */
export interface MessageRef {
  uuid: string;
  accountId: number;
  keyId: number | null;
  callbackData: string | null;
}

export interface DeliveryState extends MessageRef {
  statusCode: number;
  dlrCode: number;
  partsCount: number;
  isTextDeleted: boolean;
}

/** A change of a message's status and dlr code (and whether its text is erased with it). */
export interface StatusChange {
  uuid: string;
  statusCode: number;
  dlrCode: number;
  eraseText: boolean;
  at: number;
}

/**
 * The domain event a status change raises. Neutral: each dialect renders its own webhook payload from it
 * (LOX24's `sms.delivery` today, see api/lox24/webhook-events.ts).
 */
export interface DeliveryStatusChanged {
  type: "delivery.status_changed";
  message: MessageRef;
  statusCode: number;
  dlrCode: number;
  at: number;
}

export type DeliveryEvent = DeliveryStatusChanged;

/** A part of a message that a receipt can find by its connector and SMSC id. */
export interface PartRef {
  uuid: string;
  partIndex: number;
  state: PartState | string;
  /** A part of a later submission of a message already decided (kept so its receipts find it). */
  resubmitted: boolean;
  /** When the part was recorded or last changed: the id was given to it then. */
  updatedAt: number;
}
