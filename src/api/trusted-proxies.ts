/**
 * Which X-Forwarded-For entries to believe. Only the reverse proxies the operator lists (addresses or CIDR
 * ranges) may say who their client was; the client address is the right-most entry not added by one of
 * them. Anything to its left was written by the client itself and is ignored: trusting the left-most entry
 * (fastify's `trustProxy: true`) let a client rotate it to escape the bad-credential block, or name
 * another client's address to get that one blocked.
 */
import { isIP } from "node:net";

/** proxy-addr's names for the loopback, link-local and private ranges, accepted as shorthands. */
const RANGE_NAMES = new Set(["loopback", "linklocal", "uniquelocal"]);

/** Why `entry` is not a proxy address, range or range name; undefined when it is one. */
export function invalidProxyEntry(entry: string): string | undefined {
  if (RANGE_NAMES.has(entry)) return undefined;
  const [address = "", prefix, ...rest] = entry.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return `not an IP address or CIDR range: ${entry}`;
  if (prefix === undefined) return undefined;
  const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : Number.NaN;
  if (!(bits >= 0 && bits <= (family === 4 ? 32 : 128))) return `bad prefix length in ${entry}`;
  return undefined;
}

/** A comma-separated string (environment variable) or a list (config file). */
export function proxyList(value: unknown): unknown {
  if (typeof value === "string") {
    return value
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
  }
  return value;
}

/**
 * fastify's `trustProxy` for the list: with addresses it walks X-Forwarded-For from the right and stops at
 * the first address that is not a trusted proxy (proxy-addr), which is what request.ip then is.
 */
export function fastifyTrustProxy(proxies: readonly string[]): string[] | false {
  return proxies.length === 0 ? false : [...proxies];
}
