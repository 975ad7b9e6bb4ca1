/**
 * Text ↔ short_message octets for the data_coding values an SMSC uses. The GSM 03.38 tables themselves live
 * in core/encoding; this file only knows SMPP's framing of them (packing, padding after a UDH, Latin-1).
 */
import {
  fromGsm7Septets,
  fromUcs2,
  isGsm7,
  packSeptets,
  toGsm7Septets,
  toUcs2,
  unpackSeptets,
} from "../../core/encoding/index.js";
import type { TextEncoding } from "../connector.js";

export const DataCoding = { DEFAULT: 0x00, IA5: 0x01, LATIN1: 0x03, BINARY: 0x04, UCS2: 0x08 } as const;

export interface AlphabetOptions {
  gsm7Packing: "unpacked" | "packed";
  /** What data_coding 0 means to the peer. */
  defaultAlphabet: "gsm7" | "latin1";
}

const CR = 0x0d;

/** Fill bits so that septets after a UDH of `udhOctets` (UDHL byte included) start on a septet boundary. */
export function septetPadding(udhOctets: number): number {
  const rest = (udhOctets * 8) % 7;
  return rest === 0 ? 0 : 7 - rest;
}

/** GSM septets; a character outside the alphabet becomes "?" rather than failing the whole message. */
export function gsmSeptets(text: string): Uint8Array {
  if (isGsm7(text)) return toGsm7Septets(text);
  let safe = "";
  for (const char of text) safe += isGsm7(char) ? char : "?";
  return toGsm7Septets(safe);
}

/**
 * 3GPP TS 23.038 §6.1.2.3.1: when 7 bits would be left over in the last octet, a receiver would read them
 * as an extra "@"; filling them with CR (which receivers drop) avoids that.
 */
function packWithFill(septets: Uint8Array, padding: number): Uint8Array {
  const bits = padding + septets.length * 7;
  if (bits % 8 === 1) {
    const filled = new Uint8Array(septets.length + 1);
    filled.set(septets);
    filled[septets.length] = CR;
    return packSeptets(filled, padding);
  }
  return packSeptets(septets, padding);
}

/** data_coding and body octets (without UDH) for one part. `udhOctets` matters only for packed GSM. */
export function encodeBody(
  text: string,
  encoding: TextEncoding,
  options: AlphabetOptions,
  udhOctets = 0,
): { dataCoding: number; body: Buffer } {
  if (encoding === "ucs2") return { dataCoding: DataCoding.UCS2, body: Buffer.from(toUcs2(text)) };
  if (options.defaultAlphabet === "latin1") {
    return { dataCoding: DataCoding.DEFAULT, body: Buffer.from(text, "latin1") };
  }
  const septets = gsmSeptets(text);
  if (options.gsm7Packing === "packed") {
    return {
      dataCoding: DataCoding.DEFAULT,
      body: Buffer.from(packWithFill(septets, septetPadding(udhOctets))),
    };
  }
  return { dataCoding: DataCoding.DEFAULT, body: Buffer.from(septets) };
}

type Alphabet = "gsm7" | "8bit" | "ucs2" | "latin1" | "iso-8859-5" | "iso-8859-8";

/** The alphabet a data_coding value announces (SMPP 3.4 §5.2.19, then the GSM DCS coding groups). */
export function alphabetOf(dataCoding: number, options: AlphabetOptions): Alphabet {
  switch (dataCoding) {
    case 0x00:
      return options.defaultAlphabet === "latin1" ? "latin1" : "gsm7";
    case 0x01:
    case 0x03:
      return "latin1";
    case 0x02:
    case 0x04:
      return "8bit";
    case 0x06:
      return "iso-8859-5";
    case 0x07:
      return "iso-8859-8";
    case 0x08:
      return "ucs2";
  }
  if ((dataCoding & 0xc0) === 0x00)
    return (["gsm7", "8bit", "ucs2", "8bit"] as const)[(dataCoding >> 2) & 3]!;
  if ((dataCoding & 0xf0) === 0xf0) return dataCoding & 0x04 ? "8bit" : "gsm7";
  if ((dataCoding & 0xf0) === 0xe0) return "ucs2";
  if ((dataCoding & 0xe0) === 0xc0) return "gsm7";
  return "latin1";
}

/** Text of a body (UDH already removed). */
export function decodeBody(
  body: Uint8Array,
  dataCoding: number,
  options: AlphabetOptions,
  udhOctets = 0,
): string {
  const alphabet = alphabetOf(dataCoding, options);
  switch (alphabet) {
    case "ucs2":
      return fromUcs2(body.length % 2 === 0 ? body : body.subarray(0, body.length - 1));
    case "gsm7":
      return decodeGsm(body, options, udhOctets);
    case "iso-8859-5":
    case "iso-8859-8":
      try {
        return new TextDecoder(alphabet).decode(body);
      } catch {
        return Buffer.from(body).toString("latin1");
      }
    default:
      return Buffer.from(body).toString("latin1");
  }
}

function decodeGsm(body: Uint8Array, options: AlphabetOptions, udhOctets: number): string {
  if (options.gsm7Packing === "unpacked") return fromGsm7Septets(body);
  const padding = septetPadding(udhOctets);
  const bits = body.length * 8 - padding;
  let septets = unpackSeptets(body, Math.floor(bits / 7), padding);
  // The CR fill (see packWithFill) is only possible when the septets end exactly on the last octet.
  if (bits % 7 === 0 && septets.length > 0 && septets[septets.length - 1] === CR) {
    septets = septets.subarray(0, septets.length - 1);
  }
  return fromGsm7Septets(septets);
}
