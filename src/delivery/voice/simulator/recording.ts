/** What the SIP endpoint simulator heard on one call: the RTP it received, reassembled in sequence order. */
import type { RtpPacket } from "../rtp/packet.js";
import { decodeG711, type G711Codec } from "../speech/g711.js";

export interface CallRecord {
  callId: string;
  /** User part of the Request-URI (the number called). */
  callee: string;
  /** User part of From. */
  caller: string;
  scenario: string;
  /** Final status the simulator answered the INVITE with. */
  status: number;
  codec?: G711Codec;
  /** Who ended an answered call. */
  endedBy?: "caller" | "callee";
  answeredAt?: number;
  endedAt?: number;
  packets: RtpPacket[];
}

/** Sequence numbers wrap at 2^16: order packets by their distance from the first one received. */
export function orderedPayload(record: CallRecord): Buffer {
  if (record.packets.length === 0) return Buffer.alloc(0);
  const first = record.packets[0]!.sequence;
  const sorted = [...record.packets].sort(
    (a, b) => ((a.sequence - first + 0x10000) & 0xffff) - ((b.sequence - first + 0x10000) & 0xffff),
  );
  return Buffer.concat(sorted.map((p) => p.payload));
}

/** The received audio as 8 kHz linear samples. */
export function receivedAudio(record: CallRecord): Int16Array {
  return record.codec ? decodeG711(record.codec, orderedPayload(record)) : new Int16Array(0);
}

/** Milliseconds of audio received (8 samples per ms). */
export function receivedMs(record: CallRecord): number {
  return orderedPayload(record).length / 8;
}
