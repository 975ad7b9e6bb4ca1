/**
 * What a webhook receiver runs to check `X-Starling-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`.
 * Self-contained (node:crypto only) so a receiver can copy it; the README shows the same function in plain
 * JavaScript, and a test runs both against hostile headers. It never throws: any header it cannot read,
 * a `v1` of the wrong length, or a stale timestamp is simply "not verified".
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export interface VerifyOptions {
  /** Now, in unix seconds (default: the system clock). */
  nowSeconds?: number;
  /** How old (or how far in the future) a timestamp may be; default 300 s. */
  toleranceSeconds?: number;
}

/**
 * True when `header` carries a fresh timestamp and a `v1` that is HMAC-SHA256(secret, "<t>.<rawBody>").
 * `rawBody` is the body exactly as received (before JSON parsing). Several `v1` entries are allowed (any
 * may match), so the signing secret can be rotated without a gap.
 */
export function verifyStarlingSignature(
  secret: string,
  header: unknown,
  rawBody: string | Buffer,
  options: VerifyOptions = {},
): boolean {
  if (typeof header !== "string" || header.length > 4096 || typeof secret !== "string" || secret === "") return false;
  let t: number | undefined;
  const given: Buffer[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t" && /^\d{1,12}$/.test(value)) t = Number(value);
    else if (key === "v1" && /^[0-9a-fA-F]{64}$/.test(value)) given.push(Buffer.from(value, "hex"));
  }
  if (t === undefined || given.length === 0) return false;
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (options.toleranceSeconds ?? 300)) return false;
  const expected = createHmac("sha256", secret).update(`${t}.`).update(rawBody).digest();
  // Every entry is compared (no early exit), each in constant time and always 32 bytes against 32.
  let ok = false;
  for (const candidate of given) ok = timingSafeEqual(candidate, expected) || ok;
  return ok;
}
