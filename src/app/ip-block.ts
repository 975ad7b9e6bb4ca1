/**
 * Blocks an address after too many bad credentials in a short time (LOX24: more than 3 in a minute →
 * 10 minutes). Kept in memory per process: it protects against guessing, and a restart forgetting a
 * block is acceptable. Bounded so a flood of addresses cannot grow it without limit.
 */
export interface IpBlockPolicy {
  limit: number;
  windowMs: number;
  blockMs: number;
}

const MAX_TRACKED = 100_000;

export class IpBlocker {
  private failures = new Map<string, number[]>();
  private blockedUntil = new Map<string, number>();

  constructor(private readonly policy: IpBlockPolicy) {}

  /** Milliseconds the address stays blocked, or 0. */
  blockedFor(ip: string, now: number): number {
    const until = this.blockedUntil.get(ip);
    if (until === undefined) return 0;
    if (until <= now) {
      this.blockedUntil.delete(ip);
      return 0;
    }
    return until - now;
  }

  recordFailure(ip: string, now: number): void {
    const recent = (this.failures.get(ip) ?? []).filter((t) => t > now - this.policy.windowMs);
    recent.push(now);
    if (recent.length > this.policy.limit) {
      this.blockedUntil.set(ip, now + this.policy.blockMs);
      this.failures.delete(ip);
      return;
    }
    if (this.failures.size >= MAX_TRACKED) this.failures.delete(this.failures.keys().next().value as string);
    this.failures.set(ip, recent);
  }
}
