/**
 * SubmitRequest → submit_sm fields, one PDU per part. short_message is always a Buffer we built, so the smpp
 * library passes it through instead of guessing an alphabet; data_coding and esm_class are set explicitly.
 */
import type { SubmitRequest } from "../connector.js";
import { destinationAddress, sourceAddress } from "./address.js";
import type { SmppConnectorConfig } from "./config.js";
import type { PduFields } from "./lib.js";
import { encodeBody } from "./text-codec.js";
import { concatReference, concatUdh } from "./udh.js";

export type SubmitPduOptions = Pick<
  SmppConnectorConfig,
  | "sourceTon"
  | "sourceNpi"
  | "destTon"
  | "destNpi"
  | "concatenation"
  | "gsm7Packing"
  | "defaultAlphabet"
  | "serviceType"
>;

export const ESM_CLASS_UDHI = 0x40;
/** short_message holds at most 254 octets; anything longer goes into message_payload (TLV 0x0424). */
const SHORT_MESSAGE_MAX = 254;

export class InvalidSubmitError extends Error {}

export function buildSubmitPdus(request: SubmitRequest, options: SubmitPduOptions): PduFields[] {
  const parts = request.parts.length > 0 ? request.parts : [""];
  if (parts.length > 255)
    throw new InvalidSubmitError(`${parts.length} parts; at most 255 can be concatenated`);
  const source = sourceAddress(request.source, options.sourceTon, options.sourceNpi);
  const destination = destinationAddress(request.destination, options.destTon, options.destNpi);
  const common: PduFields = {
    service_type: options.serviceType,
    source_addr_ton: source.ton,
    source_addr_npi: source.npi,
    source_addr: source.addr,
    dest_addr_ton: destination.ton,
    dest_addr_npi: destination.npi,
    destination_addr: destination.addr,
    protocol_id: 0,
    priority_flag: 0,
    schedule_delivery_time: "",
    validity_period: request.validitySeconds ? relativeValidity(request.validitySeconds) : "",
    registered_delivery: request.registeredDelivery ? 1 : 0,
    replace_if_present_flag: 0,
    sm_default_msg_id: 0,
  };
  const multipart = parts.length > 1;
  const useUdh = multipart && options.concatenation === "udh";
  const ref = concatReference(request.messageId, useUdh ? 8 : 16);

  return parts.map((text, index) => {
    const udh = useUdh ? concatUdh({ ref, total: parts.length, seq: index + 1 }) : Buffer.alloc(0);
    const { dataCoding, body } = encodeBody(text, request.encoding, options, udh.length);
    const userData = udh.length > 0 ? Buffer.concat([udh, body]) : body;
    const fields: PduFields = {
      ...common,
      esm_class: useUdh ? ESM_CLASS_UDHI : 0,
      data_coding: dataCoding,
    };
    if (userData.length > SHORT_MESSAGE_MAX) {
      fields.short_message = Buffer.alloc(0);
      fields.message_payload = userData;
    } else {
      fields.short_message = userData;
    }
    if (multipart && !useUdh) {
      fields.sar_msg_ref_num = ref;
      fields.sar_total_segments = parts.length;
      fields.sar_segment_seqnum = index + 1;
    }
    return fields;
  });
}

/**
 * SMPP relative time "YYMMDDhhmmss000R". Each field is a count, so days above 99 spill into months (30 days)
 * and months into years; validity beyond 99 years is clamped.
 */
export function relativeValidity(seconds: number): string {
  let rest = Math.max(1, Math.floor(seconds));
  const ss = rest % 60;
  rest = Math.floor(rest / 60);
  const mm = rest % 60;
  rest = Math.floor(rest / 60);
  const hh = rest % 24;
  let days = Math.floor(rest / 24);
  let months = 0;
  if (days > 99) {
    months = Math.floor(days / 30);
    days %= 30;
  }
  const years = Math.min(99, Math.floor(months / 12));
  months %= 12;
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(years)}${two(months)}${two(days)}${two(hh)}${two(mm)}${two(ss)}000R`;
}
