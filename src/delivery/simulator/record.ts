/** What the simulator records about an accepted submit_sm: the message as the handset would get it. */
import { type DeliverFields, userData } from "../smpp/deliver.js";
import type { Pdu } from "../smpp/lib.js";
import { type AlphabetOptions, decodeBody } from "../smpp/text-codec.js";
import { splitUserData } from "../smpp/udh.js";
import type { SubmitRecord } from "./stats.js";

export interface RecordIds {
  smscId: string;
  receiptId: string;
  systemId: string;
}

export function submitRecord(
  pdu: Pdu,
  fields: DeliverFields,
  ids: RecordIds,
  alphabet: AlphabetOptions,
): SubmitRecord {
  const { header, body, concat } = splitUserData(userData(fields), (fields.esmClass & 0x40) !== 0);
  const record: SubmitRecord = {
    ...ids,
    source: fields.sourceAddr,
    sourceTon: fields.sourceTon,
    sourceNpi: fields.sourceNpi,
    destination: fields.destAddr,
    destTon: fields.destTon,
    destNpi: fields.destNpi,
    dataCoding: fields.dataCoding,
    esmClass: fields.esmClass,
    registeredDelivery: typeof pdu.registered_delivery === "number" ? pdu.registered_delivery : 0,
    text: decodeBody(body, fields.dataCoding, alphabet, header.length),
    receivedAt: Date.now(),
  };
  // the library turns validity_period (absolute or relative "…R") into a Date for us
  if (pdu.validity_period instanceof Date && !Number.isNaN(pdu.validity_period.getTime())) {
    record.validUntil = pdu.validity_period;
  }
  if (concat) {
    record.concat = concat;
    record.concatVia = "udh";
  } else if (fields.sar && fields.sar.total > 1) {
    record.concat = fields.sar;
    record.concatVia = "sar";
  }
  return record;
}
