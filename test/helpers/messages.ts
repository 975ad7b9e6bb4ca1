/** A message as the store receives it from acceptance, for store-level tests. */
import { randomUUID } from "node:crypto";
import { Dlr, type Message, Priority, Status } from "../../src/core/message.js";

export function storedMessage(accountId: number, overrides: Partial<Message> = {}): Message {
  return {
    uuid: randomUUID(), accountId, keyId: null, text: "hello", senderId: "S", phone: "+491701234567", iso2: "DE",
    deliveryAt: 0, statusCode: Status.NEW, dlrCode: Dlr.NONE, gatewaySentAt: 0, source: null, ip: null,
    createdAt: Date.now(), isUnicode: false, encoding: "gsm7", voiceLang: null, partsCount: 1, charsCount: 5,
    callbackData: null, bulkId: null, serviceCode: "direct", isTextDeleted: false, priceMicros: 50_000,
    isSent: false, attemptsCountMax: null, priority: Priority.TRANSACTIONAL, ...overrides,
  };
}
