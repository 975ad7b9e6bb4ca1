/**
 * Reads the 16-bit PCM WAV that espeak-ng writes. When it writes to a pipe it cannot seek back, so the
 * RIFF and data sizes hold a placeholder (0x7ffff000): the samples are whatever follows the data header.
 */
export interface Pcm16 {
  sampleRate: number;
  samples: Int16Array;
}

export function readWav(buffer: Buffer): Pcm16 {
  if (
    buffer.length < 12 ||
    buffer.toString("ascii", 0, 4) !== "RIFF" ||
    buffer.toString("ascii", 8, 12) !== "WAVE"
  ) {
    throw new Error("not a WAV file");
  }
  let offset = 12;
  let sampleRate = 0;
  let channels = 0;
  let bits = 0;
  while (offset + 8 <= buffer.length) {
    const id = buffer.toString("ascii", offset, offset + 4);
    const size = buffer.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === "fmt ") {
      const format = buffer.readUInt16LE(body);
      channels = buffer.readUInt16LE(body + 2);
      sampleRate = buffer.readUInt32LE(body + 4);
      bits = buffer.readUInt16LE(body + 14);
      if (format !== 1 || bits !== 16 || channels !== 1)
        throw new Error(`unsupported WAV: format ${format}, ${bits} bit, ${channels} channels`);
    } else if (id === "data") {
      if (!sampleRate) throw new Error("WAV data before its format");
      const end = Math.min(buffer.length, body + size);
      const bytes = buffer.subarray(body, body + ((end - body) & ~1));
      // Copy into an aligned buffer: the slice may start at an odd offset.
      const samples = new Int16Array(bytes.length / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(i * 2);
      return { sampleRate, samples };
    }
    offset = body + size + (size & 1);
  }
  throw new Error("WAV without data");
}
