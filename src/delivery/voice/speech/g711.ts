/**
 * Telephone audio: 8 kHz mono, G.711 μ-law (PCMU, RTP payload type 0) or A-law (PCMA, type 8).
 * wave-resampler's sinc filter with a low-pass keeps espeak's 22 kHz speech free of aliasing at 8 kHz.
 */
import alawmulaw from "alawmulaw";
import waveResampler from "wave-resampler";
import type { Pcm16 } from "./wav.js";

export const TELEPHONE_RATE = 8000;

export type G711Codec = "PCMU" | "PCMA";
export const PAYLOAD_TYPES: Readonly<Record<G711Codec, number>> = { PCMU: 0, PCMA: 8 };

export interface TelephoneAudio {
  /** 8 kHz linear samples (kept for length checks and tests). */
  samples: Int16Array;
  PCMU: Uint8Array;
  PCMA: Uint8Array;
  durationMs: number;
}

export function toTelephone(pcm: Pcm16): TelephoneAudio {
  let samples: Int16Array;
  if (pcm.sampleRate === TELEPHONE_RATE) {
    samples = pcm.samples;
  } else {
    const resampled = waveResampler.resample(pcm.samples, pcm.sampleRate, TELEPHONE_RATE, {
      method: "sinc",
      LPF: true,
    });
    samples = new Int16Array(resampled.length);
    for (let i = 0; i < resampled.length; i++) {
      samples[i] = Math.max(-32768, Math.min(32767, Math.round(resampled[i] ?? 0)));
    }
  }
  return {
    samples,
    PCMU: alawmulaw.mulaw.encode(samples),
    PCMA: alawmulaw.alaw.encode(samples),
    durationMs: Math.round((samples.length * 1000) / TELEPHONE_RATE),
  };
}

export function decodeG711(codec: G711Codec, payload: Uint8Array): Int16Array {
  return codec === "PCMU" ? alawmulaw.mulaw.decode(payload) : alawmulaw.alaw.decode(payload);
}
