/**
 * Webhook signatures: `X-Starling-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 * The timestamp is inside the signed text so a captured request cannot be replayed later unnoticed.
 * Receivers check it with verify-signature.ts.
 */
import { createHmac } from "node:crypto";

export const SIGNATURE_HEADER = "x-starling-signature";

export function sign(secret: string, timestamp: number, body: string): string {
  const mac = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return `t=${timestamp},v1=${mac}`;
}
