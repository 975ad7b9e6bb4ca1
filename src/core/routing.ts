/**
 * The route table: ordered rules matching a destination (E.164 prefix, country) and optionally the
 * account, each naming connectors in failover order. The first matching rule wins.
 */
export interface RouteRule {
  prefixes: readonly string[];
  countries: readonly string[];
  accountIds: readonly number[];
  connectors: readonly string[];
  /** Services (LOX24 service_code) the rule carries; absent or empty = SMS ("direct") only. */
  services?: readonly string[];
}

export interface RouteTarget {
  /** E.164 with "+". */
  phone: string;
  iso2: string | null;
  accountId: number;
  /** Default "direct" (SMS). */
  serviceCode?: string;
}

export function matchRoute(rules: readonly RouteRule[], target: RouteTarget): RouteRule | undefined {
  const digits = target.phone.replace(/^\+/, "");
  return rules.find(
    (rule) =>
      (rule.prefixes.length === 0 || rule.prefixes.some((p) => digits.startsWith(p))) &&
      (rule.countries.length === 0 || (target.iso2 !== null && rule.countries.includes(target.iso2))) &&
      (rule.accountIds.length === 0 || rule.accountIds.includes(target.accountId)) &&
      (rule.services && rule.services.length > 0 ? rule.services : ["direct"]).includes(target.serviceCode ?? "direct"),
  );
}

/** Exponential backoff with full jitter in the upper half, so retries of a burst spread out. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
