/** The message as the core knows it, whatever dialect it came in through, and its status model. */
import type { TextEncoding } from "./encoding/index.js";
import type { Micros } from "./money.js";

export const SERVICE_CODES = ["direct", "text2speech", "text2speech_ssml"] as const;
export type ServiceCode = (typeof SERVICE_CODES)[number];
export const VOICE_SERVICES: readonly ServiceCode[] = ["text2speech", "text2speech_ssml"];

export const VOICE_LANGS = [
  "EN", "DE", "FR", "IT", "ES", "PL", "NL", "RO", "PT", "CS",
  "HU", "SV", "DA", "FI", "SK", "HR", "TR", "RU", "BG", "UK",
] as const;
export type VoiceLang = (typeof VOICE_LANGS)[number];

/** status_code of the LOX24 reference sheet; the core's own status model. */
export const Status = {
  NEW: 0,
  TRANSMITTED: 100,
  BLOCKED: 208,
  MAINTENANCE: 400,
  STOPPED_BY_OPERATOR: 410,
  NO_LANDLINE: 2000,
  NO_CREDIT: 3000,
  NO_ROUTE: 5000,
  CANCELLED: 6000,
} as const;

/** dlr_code of the reference sheet. */
export const Dlr = {
  NONE: 0,
  DELIVERED: 1,
  SCHEDULED: 2,
  EN_ROUTE: 4,
  EXPIRED: 8,
  REJECTED: 16,
} as const;

/** Queue lanes: transactional traffic (single sends, OTP) never waits behind a campaign. */
export const Priority = { TRANSACTIONAL: 0, BULK: 1 } as const;
export type PriorityLane = (typeof Priority)[keyof typeof Priority];

export interface Message {
  uuid: string;
  accountId: number;
  keyId: number | null;
  /** null once erased (is_text_deleted after the message is final). */
  text: string | null;
  senderId: string;
  phone: string;
  iso2: string | null;
  /** Unix seconds; 0 = as soon as possible. */
  deliveryAt: number;
  statusCode: number;
  dlrCode: number;
  /** Unix seconds; 0 = not yet. */
  gatewaySentAt: number;
  source: number | null;
  ip: string | null;
  /** Unix milliseconds. */
  createdAt: number;
  isUnicode: boolean;
  encoding: TextEncoding;
  voiceLang: string | null;
  partsCount: number;
  charsCount: number;
  callbackData: string | null;
  bulkId: string | null;
  serviceCode: ServiceCode;
  isTextDeleted: boolean;
  priceMicros: Micros;
  isSent: boolean;
  attemptsCountMax: number | null;
  priority: PriorityLane;
}

/** A message is final when nothing more will happen to it. */
export function isFinal(message: Pick<Message, "statusCode" | "dlrCode">): boolean {
  if (message.statusCode !== Status.NEW && message.statusCode !== Status.TRANSMITTED) return true;
  return message.dlrCode === Dlr.DELIVERED || message.dlrCode === Dlr.EXPIRED || message.dlrCode === Dlr.REJECTED;
}
