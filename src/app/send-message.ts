/**
 * The one path every outbound message takes, whatever dialect it came through:
 * check → normalise the number → encode and segment → price → debit and store with its queue row.
 */
import { encodeText, MAX_PARTS } from "../core/encoding/index.js";
import {
  Dlr,
  type Message,
  Priority,
  type PriorityLane,
  type ServiceCode,
  Status,
  VOICE_SERVICES,
} from "../core/message.js";
import { normalisePhone } from "../core/phone.js";
import { numberRuleOf } from "./number-rule.js";
import { priceOf } from "../core/pricing.js";
import { checkVoiceText, DEFAULT_VOICE_PRICE_PER_CALL_MICROS } from "../core/voice.js";
import { AppError, type FieldViolation, validationError } from "../errors.js";
import { timeOrderedUuid } from "../ids.js";
import type { AccountProfile } from "../store/ports/index.js";
import type { AppDeps } from "./deps.js";
import { GEO_REFUSED } from "./fraud/guard.js";

export interface SendRequest {
  account: AccountProfile;
  keyId: number | null;
  text: string;
  senderId: string;
  phone: string;
  /** Unix seconds; 0 or absent = now. */
  deliveryAt?: number;
  source?: number | null;
  isUnicode?: boolean | null;
  voiceLang?: string | null;
  callbackData?: string | null;
  serviceCode?: ServiceCode;
  isTextDeleted?: boolean;
  attemptsCountMax?: number | null;
  ip?: string | null;
  priority?: PriorityLane;
  bulkId?: string | null;
}

/** Builds the message a request would create, or throws a validation error naming each bad field. */
export async function prepareMessage(deps: AppDeps, req: SendRequest): Promise<Message> {
  const violations: FieldViolation[] = [];
  const serviceCode = req.serviceCode ?? "direct";
  const isVoice = VOICE_SERVICES.includes(serviceCode);
  if (!req.account.services.includes(serviceCode)) {
    violations.push({ field: "service_code", kind: "service_unavailable" });
  }
  if (!isVoice && req.attemptsCountMax !== undefined && req.attemptsCountMax !== null) {
    violations.push({ field: "attempts_count_max", kind: "must_be_null" });
  }

  const number = normalisePhone(req.phone, req.account.country, numberRuleOf(req.account));
  if (!number) violations.push({ field: "phone", kind: "invalid_phone" });
  else if (deps.fraud && !(await deps.fraud.countryPermitted(req.account, number.e164, number.iso2))) {
    // Starling's own rule, not a provider's: one wording for every dialect.
    violations.push({ field: "phone", message: GEO_REFUSED });
  }

  // Voice: spoken, not segmented; its own length limits, and SSML must be well-formed (core/voice.ts).
  const voice = isVoice ? checkVoiceText(req.text, serviceCode as "text2speech" | "text2speech_ssml") : undefined;
  if (voice?.problem) violations.push({ field: "text", message: voice.problem });

  const encoded = encodeText(req.text, isVoice ? true : req.isUnicode);
  if (!isVoice && encoded.parts.length > MAX_PARTS) {
    const limit = encoded.encoding === "gsm7" ? 1530 : 670;
    violations.push({ field: "text", kind: "too_long", params: { max: limit } });
  }
  if (violations.length > 0 || !number) throw validationError(violations);

  const now = deps.clock.now();
  const iso2 = number.iso2;
  // A call has one price per destination (voice_prices), whatever its length; SMS is priced per part.
  const pricePerPart = isVoice
    ? ((iso2 ? await deps.store.voicePrices.get(iso2) : undefined) ??
      deps.pricing.defaultVoicePricePerCallMicros ??
      DEFAULT_VOICE_PRICE_PER_CALL_MICROS)
    : ((iso2 ? await deps.store.prices.get(iso2) : undefined) ?? deps.pricing.defaultPricePerPartMicros);
  // Voice is one call whatever its length; SMS is billed per part.
  const partsCount = isVoice ? 1 : encoded.parts.length;
  const deliveryAt = req.deliveryAt ?? 0;
  const scheduled = deliveryAt * 1000 > now;

  return {
    uuid: timeOrderedUuid(),
    accountId: req.account.id,
    keyId: req.keyId,
    text: isVoice ? req.text : encoded.text,
    senderId: req.senderId,
    phone: number.e164,
    iso2,
    deliveryAt,
    statusCode: Status.NEW,
    dlrCode: scheduled ? Dlr.SCHEDULED : Dlr.NONE,
    gatewaySentAt: 0,
    source: req.source ?? null,
    ip: req.ip ?? null,
    createdAt: now,
    isUnicode: encoded.encoding === "ucs2",
    encoding: encoded.encoding,
    voiceLang: req.voiceLang ?? null,
    partsCount,
    charsCount: voice?.charsCount ?? encoded.charsCount,
    callbackData: req.callbackData ?? null,
    bulkId: req.bulkId ?? null,
    serviceCode,
    isTextDeleted: req.isTextDeleted ?? req.account.isTextDeleted,
    priceMicros: priceOf(pricePerPart, partsCount),
    isSent: false,
    attemptsCountMax: req.attemptsCountMax ?? null,
    priority: req.priority ?? Priority.TRANSACTIONAL,
  };
}

/** The time a message becomes due for the dispatcher (unix ms). */
export const dueAtOf = (message: Message, now: number) => Math.max(now, message.deliveryAt * 1000);

/** Stores prepared messages as one debit; throws insufficient_funds when the balance does not cover them. */
export async function acceptMessages(deps: AppDeps, accountId: number, messages: Message[]): Promise<void> {
  // Velocity limits count the messages first; a refused acceptance gives them back.
  const undoVelocity = await deps.fraud?.admit(accountId, messages);
  const now = deps.clock.now();
  const outcome = await deps.store.messages
    .accept({
      accountId,
      messages,
      totalMicros: messages.reduce((sum, m) => sum + m.priceMicros, 0),
      dueAt: messages.map((m) => dueAtOf(m, now)),
      now,
    })
    .catch((error) => {
      undoVelocity?.();
      throw error;
    });
  if (outcome !== "accepted") undoVelocity?.();
  if (outcome === "insufficient_funds") {
    // The cost travels with the error so a dialect can say how much was missing.
    const requiredMicros = messages.reduce((sum, m) => sum + m.priceMicros, 0);
    throw new AppError("insufficient_funds", "There are not enough funds on your account!", [], {
      requiredMicros,
    });
  }
  if (outcome === "no_account") throw new AppError("not_found", "Account not found");
  deps.onAccepted?.(messages);
}

export async function sendMessage(deps: AppDeps, req: SendRequest): Promise<Message> {
  const message = await prepareMessage(deps, req);
  await acceptMessages(deps, req.account.id, [message]);
  return message;
}
