/**
 * The fields of a deliver_sm (or data_sm) we use, lifted out of the library's PDU object into plain typed
 * values, so the receipt and inbound parsers are testable without a session.
 */
import { type PduFields, rawOctets } from "./lib.js";

export interface DeliverFields {
  esmClass: number;
  dataCoding: number;
  sourceAddr: string;
  sourceTon: number;
  sourceNpi: number;
  destAddr: string;
  destTon: number;
  destNpi: number;
  /** Exact octets of short_message (UDH included when esm_class has 0x40). */
  shortMessage: Buffer;
  messagePayload?: Buffer;
  receiptedMessageId?: string;
  messageState?: number;
  networkErrorCode?: Buffer;
  sar?: { ref: number; total: number; seq: number };
}

/** Bits 2–5 of esm_class: 0001 = SMSC delivery receipt, 1000 = intermediate delivery notification. */
export function isReceiptEsmClass(esmClass: number): boolean {
  const type = esmClass & 0x3c;
  return type === 0x04 || type === 0x20;
}

/** The user data: message_payload when present (it replaces short_message), else short_message. */
export function userData(fields: DeliverFields): Buffer {
  return fields.messagePayload && fields.messagePayload.length > 0
    ? fields.messagePayload
    : fields.shortMessage;
}

const num = (value: unknown): number => (typeof value === "number" ? value : 0);
const str = (value: unknown): string => (typeof value === "string" ? value : "");

export function deliverFieldsOf(pdu: PduFields): DeliverFields {
  const fields: DeliverFields = {
    esmClass: num(pdu.esm_class),
    dataCoding: num(pdu.data_coding),
    sourceAddr: str(pdu.source_addr),
    sourceTon: num(pdu.source_addr_ton),
    sourceNpi: num(pdu.source_addr_npi),
    destAddr: str(pdu.destination_addr),
    destTon: num(pdu.dest_addr_ton),
    destNpi: num(pdu.dest_addr_npi),
    shortMessage: rawOctets(pdu.short_message) ?? Buffer.alloc(0),
  };
  const payload = rawOctets(pdu.message_payload);
  if (payload) fields.messagePayload = payload;
  if (typeof pdu.receipted_message_id === "string") fields.receiptedMessageId = pdu.receipted_message_id;
  if (typeof pdu.message_state === "number") fields.messageState = pdu.message_state;
  if (Buffer.isBuffer(pdu.network_error_code)) fields.networkErrorCode = pdu.network_error_code;
  if (typeof pdu.sar_msg_ref_num === "number" && typeof pdu.sar_segment_seqnum === "number") {
    fields.sar = {
      ref: pdu.sar_msg_ref_num,
      total: num(pdu.sar_total_segments),
      seq: pdu.sar_segment_seqnum,
    };
  }
  return fields;
}
