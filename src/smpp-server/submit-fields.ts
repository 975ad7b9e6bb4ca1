/**
 * A customer's submit_sm read into plain values: addresses, text of this part (any data_coding the
 * codec knows), its place in a concatenated message (UDH 8/16-bit or SAR TLVs), times and receipt wish.
 * The decoding is the SMPP client's (deliver.ts, inbound.ts): a submit_sm has the same body as a deliver_sm.
 */
import { deliverFieldsOf } from "../delivery/smpp/deliver.js";
import { decodeInbound } from "../delivery/smpp/inbound.js";
import type { PduFields } from "../delivery/smpp/lib.js";
import type { AlphabetOptions } from "../delivery/smpp/text-codec.js";
import type { ConcatInfo } from "../delivery/smpp/udh.js";
import type { SmppAddressRecord } from "../store/ports/index.js";
import { parseSmppTime } from "./smpp-time.js";

export interface SubmitPart {
  /** E.164 with "+" when the ESME said international (TON 1); else as sent. */
  destination: string;
  /** The sender as the message will carry it. */
  sender: string;
  source: SmppAddressRecord;
  dest: SmppAddressRecord;
  text: string;
  dataCoding: number;
  concat?: ConcatInfo;
  registeredDelivery: number;
  /** Unix ms; undefined = now / the gateway's own validity. Throw SmppTimeError when malformed. */
  scheduleAt: () => number | undefined;
  validUntil: () => number | undefined;
}

/** `times`: the two time fields as sent (framing.ts's submitTimes). */
export function readSubmit(
  pdu: PduFields,
  times: { schedule: string; validity: string },
  alphabet: AlphabetOptions,
  now: number,
): SubmitPart {
  const fields = deliverFieldsOf(pdu);
  const decoded = decodeInbound(fields, alphabet);
  const part: SubmitPart = {
    destination: decoded.to,
    sender: decoded.from,
    source: { ton: fields.sourceTon, npi: fields.sourceNpi, addr: fields.sourceAddr },
    dest: { ton: fields.destTon, npi: fields.destNpi, addr: fields.destAddr },
    text: decoded.text,
    dataCoding: fields.dataCoding,
    registeredDelivery: typeof pdu.registered_delivery === "number" ? pdu.registered_delivery : 0,
    scheduleAt: () => parseSmppTime(times.schedule, now),
    validUntil: () => parseSmppTime(times.validity, now),
  };
  if (decoded.concat) part.concat = decoded.concat;
  return part;
}
