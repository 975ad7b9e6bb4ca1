/**
 * deliver_sm for what the outbox holds: a delivery receipt in the standard text form with its TLVs, or an
 * inbound message (one PDU per part, as the simulator builds them for handsets).
 */
import { encodeText } from "../core/encoding/index.js";
import type { PduFields } from "../delivery/smpp/lib.js";
import type { AlphabetOptions } from "../delivery/smpp/text-codec.js";
import { concatReference } from "../delivery/smpp/udh.js";
import { inboundFields } from "../delivery/simulator/pdus.js";
import type { SmppInboundBody, SmppReceiptBody } from "../store/ports/index.js";

const MESSAGE_STATE: Record<string, number> = {
  ENROUTE: 1,
  DELIVRD: 2,
  EXPIRED: 3,
  DELETED: 4,
  UNDELIV: 5,
  ACCEPTD: 6,
  UNKNOWN: 7,
  REJECTD: 8,
};

/** YYMMDDhhmm in UTC (SMPP 3.4 Appendix B). */
export function receiptDate(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getUTCFullYear() % 100)}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}`;
}

export function receiptText(r: SmppReceiptBody): string {
  const delivered = r.stat === "DELIVRD" ? "001" : "000";
  const text = r.text.replace(/[^\x20-\x7e]/g, "?");
  return (
    `id:${r.id} sub:001 dlvrd:${delivered} submit date:${receiptDate(r.submittedAt)} ` +
    `done date:${receiptDate(r.doneAt)} stat:${r.stat} err:${String(r.err).padStart(3, "0")} text:${text}`
  );
}

export function receiptPdu(r: SmppReceiptBody): PduFields {
  return {
    source_addr_ton: r.handset.ton,
    source_addr_npi: r.handset.npi,
    source_addr: r.handset.addr,
    dest_addr_ton: r.esme.ton,
    dest_addr_npi: r.esme.npi,
    destination_addr: r.esme.addr,
    esm_class: 0x04,
    data_coding: 0,
    short_message: Buffer.from(receiptText(r), "latin1"),
    receipted_message_id: r.id,
    message_state: MESSAGE_STATE[r.stat] ?? 7,
  };
}

export function inboundPdus(m: SmppInboundBody, alphabet: AlphabetOptions): PduFields[] {
  const encoded = encodeText(m.text);
  const ref = concatReference(`${m.from}|${m.to}|${m.text}`, 8);
  return inboundFields(m.from, m.to, encoded.parts, encoded.encoding, alphabet, ref);
}
