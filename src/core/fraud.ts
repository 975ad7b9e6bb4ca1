/**
 * Pure rules against SMS pumping: which destination prefix a number belongs to, whether an account may
 * send to a country, sliding-window counting, and the OTP conversion verdict. No I/O; times are unix ms.
 */

/**
 * The destination prefix rules are keyed by: the first `digits` digits of the E.164 number, i.e. the
 * country code and the start of the national number (+4917012345678 with 5 → "49170"). Premium and
 * pumped ranges are allocated in such blocks, and a fixed length needs no metadata lookup per message.
 */
export function prefixOf(e164: string, digits: number): string {
  return e164.replace(/^\+/, "").slice(0, digits);
}

/** "*" in an account's country list means every destination, including numbers without a country. */
export const ANY_COUNTRY = "*";

/**
 * The countries an account may send to: its own explicit list when the operator set one, else its own
 * country plus the gateway's default list.
 */
export function permittedCountries(
  own: string,
  explicit: readonly string[] | null,
  defaults: readonly string[],
): Set<string> {
  return new Set(explicit ?? [own, ...defaults]);
}

/** A number without a country (international networks such as +882, +883) passes only "*". */
export function countryPermitted(permitted: ReadonlySet<string>, iso2: string | null): boolean {
  if (permitted.has(ANY_COUNTRY)) return true;
  return iso2 !== null && permitted.has(iso2);
}

/**
 * A sliding-window counter in two fixed buckets (the current and the previous window, the previous one
 * weighted by how much of it still overlaps the sliding window). Constant memory per key, and exact to
 * within the previous bucket's spread; the usual approximation in rate limiters (e.g. Cloudflare's).
 */
export class SlidingWindow {
  private bucketStart = 0;
  private current = 0;
  private previous = 0;

  constructor(readonly windowMs: number) {}

  /** Messages counted in the window ending at `now`. */
  count(now: number): number {
    this.roll(now);
    const overlap = 1 - (now - this.bucketStart) / this.windowMs;
    return this.current + this.previous * Math.max(0, overlap);
  }

  /** Adds `n` if the window stays within `limit`; false (and nothing added) otherwise. */
  tryAdd(now: number, n: number, limit: number): boolean {
    if (this.count(now) + n > limit) return false;
    this.current += n;
    return true;
  }

  /** Takes back what a refused acceptance had added. */
  remove(now: number, n: number): void {
    this.roll(now);
    this.current = Math.max(0, this.current - n);
  }

  /** Milliseconds until `n` more would fit if nothing else is added (for Retry-After). */
  msUntilRoom(now: number, n: number, limit: number): number {
    this.roll(now);
    if (n > limit) return Number.POSITIVE_INFINITY;
    const { windowMs: w, bucketStart: start, current, previous } = this;
    // Within this bucket only the previous one drains, linearly: count = current + previous * (1 - x / w).
    if (current + n <= limit) {
      const at = previous > 0 ? w * (1 - (limit - n - current) / previous) : 0;
      return Math.max(0, Math.ceil(start + at - now));
    }
    // Otherwise this bucket must become the previous one and drain in the next.
    const at = w * (1 - (limit - n) / current);
    return Math.max(0, Math.ceil(start + w + at - now));
  }

  /** True when nothing in it can count any more (so a map of windows can drop it). */
  idle(now: number): boolean {
    this.roll(now);
    return this.current === 0 && this.previous === 0;
  }

  private roll(now: number): void {
    const start = now - (now % this.windowMs);
    if (start === this.bucketStart) return;
    this.previous = start - this.bucketStart === this.windowMs ? this.current : 0;
    this.current = 0;
    this.bucketStart = start;
  }
}

/**
 * The time bucket OTP conversion is counted in: a minute, or a sixtieth of the window if that is longer,
 * so a check sums at most ~61 rows and judges at most one bucket more than the window.
 */
export function conversionBucket(at: number, windowSeconds: number): number {
  const size = Math.max(60_000, Math.floor((windowSeconds * 1000) / 60));
  return at - (at % size);
}

export interface ConversionRule {
  /** OTPs created in the window before the guard judges a prefix at all. */
  minVolume: number;
  /** Verified / created below this (0..1) trips the guard. */
  minConversion: number;
}

export interface ConversionStats {
  created: number;
  verified: number;
}

/**
 * Whether a prefix's OTP conversion is too low to send more. Judged only over `minVolume` OTPs, so a
 * handful of unverified codes (users who gave up) never blocks anyone.
 */
export function conversionTooLow(stats: ConversionStats, rule: ConversionRule): boolean {
  if (stats.created < rule.minVolume) return false;
  return stats.verified / stats.created < rule.minConversion;
}

/**
 * How many more OTPs a prefix may have, each judged with the ones before it counted: until the volume
 * threshold, or while the verified share stays at the minimum. 0 = paused. Infinity when nothing can pause it.
 */
export function conversionRoom(stats: ConversionStats, rule: ConversionRule): number {
  const byVolume = Math.max(0, rule.minVolume - stats.created);
  if (rule.minConversion <= 0) return Number.POSITIVE_INFINITY;
  // Tolerance: 3 / 0.1 is 29.999999999999996 in floating point.
  const byConversion = Math.max(
    0,
    Math.floor(stats.verified / rule.minConversion + 1e-9) - stats.created + 1,
  );
  return Math.max(byVolume, byConversion);
}
