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

/**
 * UUIDv7: new rows land at the right edge of every index on the id instead of on a random page, which
 * more than halves the pages each commit writes once tables are large. Everything after the millisecond
 * timestamp, version and variant is random (uuid's monotonic counter is not used when `random` is given),
 * so ids of the same millisecond are unordered among themselves — nothing relies on that order.
 */
export function timeOrderedUuid(): string {
  return v7({ random: randomBytesFromPool(16) });
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
