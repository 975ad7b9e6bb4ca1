/** LOX24's webhook payloads, rendered from the core's domain events (the `sms.delivery` event of its reference sheet). */
import type { DeliveryEvent } from "../../core/delivery/state.js";

export function renderLox24Webhook(event: DeliveryEvent): { name: string; data: unknown } {
  const m = event.message;
  return {
    name: "sms.delivery",
    data: {
      id: m.uuid,
      key_id: m.keyId,
      dlr_code: event.dlrCode,
      status_code: event.statusCode,
      callback_data: m.callbackData,
    },
  };
}
