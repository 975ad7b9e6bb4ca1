/**
 * "UCS-2" as SMSCs use it for data_coding 8: UTF-16 big-endian, characters outside the BMP sent as
 * surrogate pairs (two units). Code units are copied as they are, so even a lone surrogate round-trips.
 */

/** UTF-16BE bytes of the text, two per code unit. */
export function toUcs2(text: string): Buffer {
  const buf = Buffer.allocUnsafe(text.length * 2);
  for (let i = 0; i < text.length; i++) buf.writeUInt16BE(text.charCodeAt(i), i * 2);
  return buf;
}

const CHUNK = 4096; // code units per String.fromCharCode call, well under engine argument limits

/** Text of UTF-16BE bytes. An odd trailing byte cannot be a character and is shown as U+FFFD. */
export function fromUcs2(buf: Uint8Array): string {
  const units = buf.length >> 1;
  let out = "";
  for (let start = 0; start < units; start += CHUNK) {
    const end = Math.min(units, start + CHUNK);
    const codes = new Array<number>(end - start);
    for (let i = start; i < end; i++) codes[i - start] = ((buf[2 * i] ?? 0) << 8) | (buf[2 * i + 1] ?? 0);
    out += String.fromCharCode(...codes);
  }
  return buf.length % 2 === 1 ? `${out}\uFFFD` : out;
}
