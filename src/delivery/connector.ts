/**
 * The connector port: what the dispatcher needs from anything that can carry a message to a network.
 * SMPP is the first adapter; a voice connector or an HTTP carrier would implement the same port.
 */
import type { PartState } from "../core/delivery-state.js";
import type { EventEmitter } from "node:events";

export type TextEncoding = "gsm7" | "ucs2";

/** One message as the dispatcher hands it over: already segmented by the core, so billing and transmission agree. */
export interface SubmitRequest {
  /** Starling's message uuid; used for logs and as the seed of the concatenation reference. */
  messageId: string;
  /** Sender as the customer gave it: alphanumeric, short code or international digits (with or without "+"). */
  source: string;
  /** Destination in E.164 with the leading "+". */
  destination: string;
  encoding: TextEncoding;
  /** Text of each part, as segmented by core/encoding (153/67 per part when more than one). */
  parts: string[];
  /** Ask the SMSC for a delivery receipt. */
  registeredDelivery: boolean;
  /** Validity period in seconds, if the message must not be delivered after that. */
  validitySeconds?: number;
  /**
   * Index of the first part to send: the parts before it were accepted by this connector in an earlier
   * attempt and must not be sent again. The concatenation reference and part numbers stay those of the
   * whole message. Default 0.
   */
  firstPart?: number;
  /** A voice message (service_code text2speech / text2speech_ssml): what a voice connector speaks. */
  voice?: VoiceContent;
  /** The transactional lane (OTPs): a connector lets it ahead of bulk traffic waiting for its window. */
  transactional?: boolean;
}

export interface VoiceContent {
  /** The text, or an SSML document when `ssml`. */
  text: string;
  ssml: boolean;
  /** voice_lang; null = detect. */
  lang: string | null;
  /** Destination country, for language detection's fallback. */
  destinationIso2: string | null;
}

export type SubmitFailureKind =
  /** Worth retrying later on this or another connector (system error, queue full, timeout, connector down). */
  | "temporary"
  /** The SMSC asked us to slow down; retry later. */
  | "throttled"
  /** Retrying will not help (invalid destination, rejected content). */
  | "permanent"
  /**
   * Sent, but no answer came (timeout, or the connection cut after sending): the SMSC may have accepted
   * it. Not "never reached a network".
   */
  | "unknown"
  /** Voice: the call reached the phone, which was busy or not answered; retry after a pause, on no other trunk. */
  | "unanswered";

export type SubmitResult =
  | {
      ok: true;
      /** One SMSC message id per part sent (from `firstPart` on), normalised per the connector's receipt id format. */
      smscIds: string[];
    }
  | {
      ok: false;
      kind: SubmitFailureKind;
      commandStatus?: number;
      reason: string;
      /** SMSC ids of the parts this call got accepted before the failure (from `firstPart` on), in order. */
      acceptedSmscIds: string[];
      /**
       * For an unknown outcome whose answer may still come (a timeout): resolves with the SMSC ids of every
       * part of this call if the SMSC accepted the last one after all, else undefined.
       */
      late?: Promise<string[] | undefined>;
    };

/** Final and intermediate states a receipt can carry (SMPP 3.4 message_state names): a part's states. */
export type ReceiptState = PartState;

export interface ReceiptEvent {
  connectorId: string;
  /** SMSC message id, normalised the same way as SubmitResult.smscIds so the two match. */
  smscId: string;
  state: ReceiptState;
  errorCode?: number;
  doneAt?: Date;
  /** The receipt's addresses (source = the original destination), submit date and text, where it has them. */
  source?: string;
  destination?: string;
  submittedAt?: Date;
  text?: string;
  /** Hold the SMSC's deliver_sm_resp until this work (storing the receipt) settles; a failure makes it resend. */
  waitUntil?(work: Promise<unknown>): void;
}

export interface InboundEvent {
  connectorId: string;
  /** Sender as received (E.164 with "+" when the TON says international, otherwise as given). */
  from: string;
  /** Destination as received (E.164 with "+" when international). */
  to: string;
  text: string;
  receivedAt: Date;
  /** As for receipts: acknowledge the inbound message only once it is stored. */
  waitUntil?(work: Promise<unknown>): void;
}

/** What query_sm learnt about a submitted message. */
export type QueryResult =
  /** The SMSC's current state of the message (ENROUTE/ACCEPTD while not final). */
  | { kind: "state"; state: ReceiptState; errorCode?: number }
  /** The SMSC does not know the id (never had it, or forgot it). */
  | { kind: "unknown"; reason: string }
  /** The question could not be asked or answered (down, timeout, other error). */
  | { kind: "failed"; reason: string };

export interface ConnectorEvents {
  receipt: [ReceiptEvent];
  inbound: [InboundEvent];
  up: [];
  down: [Error | undefined];
}

export interface Connector extends EventEmitter<ConnectorEvents> {
  readonly id: string;
  start(): Promise<void>;
  /** Unbinds cleanly; outstanding submits resolve as temporary failures. */
  stop(): Promise<void>;
  /** True while bound and able to submit. */
  isUp(): boolean;
  /** Services it carries (LOX24 service_code); absent = SMS ("direct") only. */
  readonly services?: readonly string[];
  /** Never rejects: every outcome, including timeouts and a dropped connection, is a SubmitResult. */
  submit(request: SubmitRequest): Promise<SubmitResult>;
  /**
   * Asks the network for the state of a message it accepted (SMPP query_sm), for when its receipt is late.
   * `smscId` as in SubmitResult; `source` as submitted. Optional: a connector that cannot ask leaves it out.
   */
  query?(smscId: string, source: string): Promise<QueryResult>;
}

/** What a receipt says of its message besides the id, as the store keeps it (times as unix ms). */
export function receiptAddresses(e: ReceiptEvent): {
  source?: string;
  destination?: string;
  submittedAt?: number;
  text?: string;
} {
  return {
    ...(e.source !== undefined ? { source: e.source } : {}),
    ...(e.destination !== undefined ? { destination: e.destination } : {}),
    ...(e.submittedAt !== undefined ? { submittedAt: e.submittedAt.getTime() } : {}),
    ...(e.text !== undefined ? { text: e.text } : {}),
  };
}
