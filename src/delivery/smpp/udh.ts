/** User Data Header: building the concatenation header and reading one back (3GPP TS 23.040 §9.2.3.24). */

export interface ConcatInfo {
  /** Reference shared by all parts of one message. */
  ref: number;
  total: number;
  /** 1-based part number. */
  seq: number;
}

const IEI_CONCAT_8 = 0x00;
const IEI_CONCAT_16 = 0x08;

/** `05 00 03 ref total seq`: the 8-bit reference form every handset understands. */
export function concatUdh(info: ConcatInfo): Buffer {
  return Buffer.from([0x05, IEI_CONCAT_8, 0x03, info.ref & 0xff, info.total, info.seq]);
}

export interface SplitUserData {
  /** The whole header including its length octet, empty when there is none. */
  header: Buffer;
  body: Buffer;
  concat?: ConcatInfo;
}

/** Separates header and body when esm_class announces a UDH (0x40); tolerates a malformed header length. */
export function splitUserData(data: Buffer, hasUdh: boolean): SplitUserData {
  if (!hasUdh || data.length === 0) return { header: Buffer.alloc(0), body: data };
  const udhl = data[0]!;
  if (udhl + 1 > data.length) return { header: Buffer.alloc(0), body: data };
  const header = data.subarray(0, udhl + 1);
  const concat = readConcat(header);
  return concat
    ? { header, body: data.subarray(udhl + 1), concat }
    : { header, body: data.subarray(udhl + 1) };
}

function readConcat(header: Buffer): ConcatInfo | undefined {
  let offset = 1;
  while (offset + 2 <= header.length) {
    const iei = header[offset]!;
    const length = header[offset + 1]!;
    const value = header.subarray(offset + 2, offset + 2 + length);
    if (value.length < length) return undefined;
    if (iei === IEI_CONCAT_8 && length === 3) {
      return validConcat({ ref: value[0]!, total: value[1]!, seq: value[2]! });
    }
    if (iei === IEI_CONCAT_16 && length === 4) {
      return validConcat({ ref: value.readUInt16BE(0), total: value[2]!, seq: value[3]! });
    }
    offset += 2 + length;
  }
  return undefined;
}

function validConcat(info: ConcatInfo): ConcatInfo | undefined {
  return info.total >= 1 && info.seq >= 1 && info.seq <= info.total ? info : undefined;
}

/** An 8-bit (UDH) or 16-bit (SAR) reference derived from the message id, so a retry reuses the same one. */
export function concatReference(messageId: string, bits: 8 | 16): number {
  let hash = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < messageId.length; i++) {
    hash ^= messageId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return bits === 8 ? hash & 0xff : hash & 0xffff;
}
