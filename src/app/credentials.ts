/**
 * API tokens are `<key_id>:<secret>` (LOX24) or `<key_id>|<secret>` (FullSMS): one key, two spellings.
 * Secrets are 32 random bytes, so a plain SHA-256 is enough to store them (no password stretching needed),
 * and the comparison is constant-time.
 */
import * as crypto from "node:crypto";
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export function newSecret(): string {
  return randomBytes(24).toString("base64url");
}

// The one-shot crypto.hash (Node >= 20.12) costs a third of a Hash object's ~1.5 µs; this runs on every
// authenticated request. Same digest either way; older Node 20 releases take the Hash object.
const sha256Hex: (data: string) => string =
  typeof crypto.hash === "function"
    ? (data) => crypto.hash("sha256", data, "hex")
    : (data) => createHash("sha256").update(data, "utf8").digest("hex");

export function hashSecret(secret: string): string {
  return sha256Hex(secret);
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const given = Buffer.from(hashSecret(secret), "hex");
  const stored = Buffer.from(storedHash, "hex");
  return given.length === stored.length && timingSafeEqual(given, stored);
}

export interface ParsedToken {
  keyId: number;
  secret: string;
}

/** Accepts `id:secret` and `id|secret`; anything else is not a token. */
export function parseToken(token: string): ParsedToken | undefined {
  const match = /^(\d{1,15})[:|]([A-Za-z0-9_-]{8,128})$/.exec(token.trim());
  if (!match) return undefined;
  return { keyId: Number(match[1]), secret: match[2]! };
}

export const formatToken = (keyId: number, secret: string) => `${keyId}:${secret}`;
