/** SDP (RFC 4566 / 3264 offer-answer) for one G.711 audio stream: our offer, and reading the other side's. */
import sdpTransform from "sdp-transform";
import { type G711Codec, PAYLOAD_TYPES } from "./speech/g711.js";

export interface AudioOffer {
  address: string;
  port: number;
  /** In order of preference. */
  codecs: readonly G711Codec[];
  sessionId?: number;
}

export function buildAudioSdp(
  offer: AudioOffer,
  direction: "sendonly" | "recvonly" | "sendrecv" = "sendonly",
): string {
  const sessionId = offer.sessionId ?? Math.floor(Date.now() / 1000);
  return sdpTransform.write({
    version: 0,
    origin: {
      username: "starling",
      sessionId,
      sessionVersion: 1,
      netType: "IN",
      ipVer: 4,
      address: offer.address,
    },
    name: "starling",
    connection: { version: 4, ip: offer.address },
    timing: { start: 0, stop: 0 },
    media: [
      {
        type: "audio",
        port: offer.port,
        protocol: "RTP/AVP",
        payloads: offer.codecs.map((c) => PAYLOAD_TYPES[c]).join(" "),
        rtp: offer.codecs.map((c) => ({ payload: PAYLOAD_TYPES[c], codec: c, rate: 8000 })),
        fmtp: [],
        ptime: 20,
        direction,
      },
    ],
  });
}

export interface AudioAnswer {
  address: string;
  port: number;
  codec: G711Codec;
}

/**
 * The first audio stream's address and the first G.711 codec it lists (the answerer's preference),
 * or undefined when it accepts none of ours or declines the stream (port 0).
 */
export function readAudioSdp(
  sdp: string,
  acceptable: readonly G711Codec[] = ["PCMU", "PCMA"],
): AudioAnswer | undefined {
  const session = sdpTransform.parse(sdp);
  const audio = session.media.find((m) => m.type === "audio");
  const address = audio?.connection?.ip ?? session.connection?.ip;
  if (!audio || !address || audio.port === 0) return undefined;
  const payloads = String(audio.payloads ?? "")
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
  for (const pt of payloads) {
    const named = audio.rtp.find((r) => r.payload === pt)?.codec.toUpperCase();
    const codec = (named ?? (pt === 0 ? "PCMU" : pt === 8 ? "PCMA" : undefined)) as G711Codec | undefined;
    if (codec && acceptable.includes(codec)) return { address, port: audio.port, codec };
  }
  return undefined;
}
