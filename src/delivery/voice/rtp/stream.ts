/**
 * Plays encoded audio as an RTP stream: one packet per 20 ms (160 G.711 samples), each sent at its due
 * time counted from the start (start + n × 20 ms), so timer lateness never accumulates into drift. Sequence
 * numbers and timestamps start at random values (RFC 3550 §5.1) and advance by 1 and by 160 per packet.
 */
import { randomInt } from "node:crypto";
import type { Socket } from "node:dgram";
import { performance } from "node:perf_hooks";
import { buildRtpPacket } from "./packet.js";

export const PACKET_MS = 20;
export const SAMPLES_PER_PACKET = 160;
/** G.711 silence, for padding the last packet: μ-law 0xff, A-law 0xd5. */
const SILENCE: Readonly<Record<number, number>> = { 0: 0xff, 8: 0xd5 };

export interface RtpTarget {
  address: string;
  port: number;
}

export interface StreamResult {
  /** "ended": all audio sent; "stopped": stop() was called first (the far end hung up, shutdown). */
  reason: "ended" | "stopped";
  packetsSent: number;
  /** How late each packet left, in ms, behind its due time. */
  lateness: number[];
}

export class RtpStream {
  readonly ssrc = randomInt(0, 2 ** 32);
  private readonly firstSequence = randomInt(0, 2 ** 16);
  private readonly firstTimestamp = randomInt(0, 2 ** 32);
  private timer: NodeJS.Timeout | undefined;
  private sent = 0;
  private finish: ((reason: StreamResult["reason"]) => void) | undefined;
  private readonly lateness: number[] = [];

  constructor(
    private readonly socket: Socket,
    private readonly target: RtpTarget,
    private readonly payloadType: number,
    private readonly audio: Uint8Array,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get packetsSent(): number {
    return this.sent;
  }

  get packetCount(): number {
    return Math.ceil(this.audio.length / SAMPLES_PER_PACKET);
  }

  play(): Promise<StreamResult> {
    const start = this.now();
    return new Promise((resolve) => {
      this.finish = (reason) => {
        this.finish = undefined;
        clearTimeout(this.timer);
        resolve({ reason, packetsSent: this.sent, lateness: this.lateness });
      };
      const tick = () => {
        const now = this.now();
        // Send everything due (after a stalled loop, several at once: the receiver's jitter buffer copes better
        // with a burst than with audio shifted later for the rest of the call).
        while (this.sent < this.packetCount && start + this.sent * PACKET_MS <= now + 0.5) {
          this.lateness.push(Math.max(0, now - (start + this.sent * PACKET_MS)));
          this.sendPacket(this.sent);
          this.sent++;
        }
        if (this.sent >= this.packetCount) {
          // The last packet still has to be heard: finish when its 20 ms have passed.
          this.timer = setTimeout(() => this.finish?.("ended"), PACKET_MS);
          return;
        }
        this.timer = setTimeout(tick, Math.max(0, start + this.sent * PACKET_MS - this.now()));
      };
      tick();
    });
  }

  stop(): void {
    this.finish?.("stopped");
  }

  private sendPacket(index: number): void {
    const from = index * SAMPLES_PER_PACKET;
    let payload = this.audio.subarray(from, from + SAMPLES_PER_PACKET);
    if (payload.length < SAMPLES_PER_PACKET) {
      const padded = new Uint8Array(SAMPLES_PER_PACKET).fill(SILENCE[this.payloadType] ?? 0xff);
      padded.set(payload);
      payload = padded;
    }
    const packet = buildRtpPacket(
      {
        payloadType: this.payloadType,
        marker: index === 0, // start of a talkspurt
        sequence: (this.firstSequence + index) & 0xffff,
        timestamp: (this.firstTimestamp + index * SAMPLES_PER_PACKET) >>> 0,
        ssrc: this.ssrc,
      },
      payload,
    );
    this.socket.send(packet, this.target.port, this.target.address);
  }
}
