/**
 * Reading customer PDUs without letting one bad PDU end the session. The `smpp` library stops reading for
 * good after a PDU it cannot parse (lib.ts), and it has no upper bound on command_length. An SMSC must
 * answer a malformed PDU with generic_nack and carry on, so this replaces the library's reader on server
 * sessions: framing comes from command_length; a PDU whose body does not parse is reported (with its
 * sequence number) and skipped; a length that cannot be a PDU loses the framing and is reported as fatal.
 */
import { createPdu, type LibSession, type Pdu } from "../delivery/smpp/lib.js";

/** A submit_sm with a full 64 KiB message_payload fits; nothing a customer sends is larger. */
export const MAX_PDU_LENGTH = 70_000;
const HEADER = 16;

const RAW = Symbol("starling.smppServer.rawPdu");

/** The octets a PDU was parsed from (set by the tolerant reader). */
export function rawPdu(pdu: Pdu): Buffer | undefined {
  return (pdu as unknown as Record<symbol, Buffer | undefined>)[RAW];
}

/**
 * schedule_delivery_time and validity_period exactly as sent. The library turns them into Date objects,
 * losing the relative form's meaning and turning a malformed time into an Invalid Date silently.
 */
export function submitTimes(raw: Buffer): { schedule: string; validity: string } {
  let offset = HEADER;
  const cstring = () => {
    const end = raw.indexOf(0, offset);
    const stop = end < 0 ? raw.length : end;
    const value = raw.toString("latin1", offset, stop);
    offset = stop + 1;
    return value;
  };
  cstring(); // service_type
  offset += 2;
  cstring(); // source_addr
  offset += 2;
  cstring(); // destination_addr
  offset += 3; // esm_class, protocol_id, priority_flag
  const schedule = offset < raw.length ? cstring() : "";
  const validity = offset < raw.length ? cstring() : "";
  return { schedule, validity };
}

export interface FramingEvents {
  pdu(pdu: Pdu): void;
  /** The PDU's octets did not parse; the stream is still in step. */
  malformed(commandId: number, sequenceNumber: number): void;
  /** command_length out of range: nothing after it can be read. */
  lostFraming(commandLength: number): void;
}

interface LibInternals {
  paused: boolean;
  _callbacks: Record<number, (pdu: Pdu) => void>;
}

export function installTolerantReader(lib: LibSession, events: FramingEvents): void {
  const socket = lib.socket;
  const internals = lib as unknown as LibInternals;
  socket.removeAllListeners("readable");
  let length: number | null = null;
  let busy = false;
  let lost = false;
  const read = () => {
    if (busy || lost) return;
    busy = true;
    try {
      while (!internals.paused) {
        if (length === null) {
          const head = socket.read(4) as Buffer | null;
          if (!head) break;
          length = head.readUInt32BE(0);
          if (length < HEADER || length > MAX_PDU_LENGTH) {
            lost = true;
            events.lostFraming(length);
            return;
          }
        }
        const rest = socket.read(length - 4) as Buffer | null;
        if (!rest) break;
        const buffer = Buffer.alloc(length);
        buffer.writeUInt32BE(length, 0);
        rest.copy(buffer, 4);
        length = null;
        let pdu: Pdu;
        try {
          // The library's PDU constructor parses a Buffer given in place of a command name.
          pdu = createPdu(buffer as unknown as string);
        } catch {
          events.malformed(buffer.readUInt32BE(4), buffer.readUInt32BE(12));
          continue;
        }
        Object.defineProperty(pdu, RAW, { value: buffer, enumerable: false });
        events.pdu(pdu);
        const callback = pdu.isResponse() ? internals._callbacks[pdu.sequence_number] : undefined;
        if (callback) {
          delete internals._callbacks[pdu.sequence_number];
          callback(pdu);
        }
      }
    } finally {
      busy = false;
    }
  };
  socket.on("readable", read);
}
