/** A deliver_sm that is not a receipt: a message from a handset (MO), possibly one part of several. */
import { receivedAddress } from "./address.js";
import { type DeliverFields, userData } from "./deliver.js";
import { type AlphabetOptions, decodeBody } from "./text-codec.js";
import { type ConcatInfo, splitUserData } from "./udh.js";

export interface InboundPart {
  from: string;
  to: string;
  text: string;
  /** Set when this is one part of a concatenated message (from the UDH or the SAR TLVs). */
  concat?: ConcatInfo;
}

export function decodeInbound(fields: DeliverFields, options: AlphabetOptions): InboundPart {
  const { header, body, concat } = splitUserData(userData(fields), (fields.esmClass & 0x40) !== 0);
  const part: InboundPart = {
    from: receivedAddress(fields.sourceAddr, fields.sourceTon),
    to: receivedAddress(fields.destAddr, fields.destTon),
    text: decodeBody(body, fields.dataCoding, options, header.length),
  };
  const sar = fields.sar;
  const info = concat ?? (sar && sar.total > 1 && sar.seq >= 1 && sar.seq <= sar.total ? sar : undefined);
  if (info && info.total > 1) part.concat = info;
  return part;
}
