/** The LOX24 SMS resource on the wire: JSON-LD by default, plain JSON when the client asks for it. */
import type { FastifyRequest } from "fastify";
import type { Message } from "../../core/message.js";
import { fromMicros } from "../../core/money.js";

/** ld+json is the default, also for a missing Accept or one that accepts anything. */
export function wantsJsonLd(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  if (!accept) return true;
  if (accept.includes("application/ld+json")) return true;
  return !accept.includes("application/json");
}

export function contentType(jsonLd: boolean): string {
  return jsonLd ? "application/ld+json; charset=utf-8" : "application/json; charset=utf-8";
}

export function smsResource(m: Message) {
  const path = `/sms/${m.uuid}`;
  return {
    text: m.text ?? "",
    sender_id: m.senderId,
    phone: m.phone,
    delivery_at: m.deliveryAt,
    status_code: m.statusCode,
    gateway_sent_at: m.gatewaySentAt,
    source: m.source ?? 0,
    dlr_code: m.dlrCode,
    ip: m.ip,
    created_at: Math.floor(m.createdAt / 1000),
    is_unicode: m.isUnicode,
    uuid: m.uuid,
    iso2: m.iso2,
    voice_lang: m.voiceLang,
    parts_count: m.partsCount,
    chars_count: m.charsCount,
    callback_data: m.callbackData,
    bulk_id: m.bulkId,
    key_id: m.keyId,
    service_code: m.serviceCode,
    is_text_deleted: m.isTextDeleted,
    price: fromMicros(m.priceMicros),
    is_sent: m.isSent,
    requests: `${path}/requests`,
    clicks: `${path}/clicks`,
    attempts_count_max: m.attemptsCountMax,
  };
}

export function smsBody(m: Message, jsonLd: boolean) {
  const body = smsResource(m);
  return jsonLd ? { "@context": "/contexts/sms", "@id": `/sms/${m.uuid}`, "@type": "sms", ...body } : body;
}
