/**
 * Identifiers made at request rate: time-ordered UUIDs (v7, from the uuid package) for rows inserted in
 * volume, and LOX24 request ids. Both draw on one pool of CSPRNG bytes refilled 4 KiB at a time, as Node's
 * own randomUUID does: a crypto call per id (what uuid's default rng and randomBytes do) cost ~5% of a
 * POST /sms.
 */
import { randomFillSync } from "node:crypto";
import { v7 } from "uuid";

const pool = Buffer.allocUnsafe(4096);
let offset = pool.length;

/** `n` fresh random bytes (n ≤ 4096), valid only until the next call: copy them or use them at once. */
function randomBytesFromPool(n: number): Uint8Array {
  if (offset + n > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = pool.subarray(offset, offset + n);
  offset += n;
  return bytes;
}

let lastMs = -1;
let seq = 0;

/**
 * UUIDv7: new rows land at the right edge of every index on the id instead of on a random page, which
 * more than halves the pages each commit writes once tables are large. Ids made by one process sort in the
 * order it made them, also within a millisecond: uuid's `seq` field counts up from a random start (a clock
 * that steps back keeps the last millisecond). The webhook outbox relies on this to post one message's
 * events in order. The remaining bits are random.
 */
export function timeOrderedUuid(): string {
  let ms = Date.now();
  if (ms <= lastMs) {
    ms = lastMs;
    seq++;
    if (seq > 0x7fffffff) {
      ms += 1;
      seq = 0;
    }
  } else {
    const r = randomBytesFromPool(4);
    seq = (r[0]! | (r[1]! << 8) | (r[2]! << 16) | ((r[3]! & 0x1f) << 24)) >>> 0; // < 2^29: room to count up
  }
  lastMs = ms;
  return v7({ msecs: ms, seq, random: randomBytesFromPool(16) });
}

const ALPHANUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** `length` characters from [A-Za-z0-9]. */
export function randomAlphanumeric(length: number): string {
  const bytes = randomBytesFromPool(length);
  let id = "";
  // 248 = 4 × 62: bytes above it are skipped so that every character is equally likely.
  for (const b of bytes) if (b < 248) id += ALPHANUM[b % 62];
  return id.length === length ? id : id + randomAlphanumeric(length - id.length);
}
