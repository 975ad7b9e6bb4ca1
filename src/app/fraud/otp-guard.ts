/**
 * The OTP conversion guard: per account and destination prefix, the share of OTPs verified over a window.
 * Counts live in the store (per time bucket), so the guard holds across processes and restarts.
 *
 * Concurrent creates must not slip past the threshold between "count" and "store". The checks for one
 * prefix take turns; a check computes how many more OTPs the prefix may have (core conversionRoom) and
 * hands out that many permits (at most PERMITS_PER_CHECK, for PERMIT_MS), so a busy prefix needs one
 * query per batch rather than per OTP. Each admitted OTP is counted at once (and taken back if its create
 * fails); a check first withdraws unused permits and waits for the counts of the used ones, so its query
 * sees every OTP this process let through. Across processes the guard is exact to within their permits.
 */
import { conversionBucket, conversionRoom, prefixOf } from "../../core/fraud.js";
import { AppError } from "../../errors.js";
import type { Store } from "../../store/ports/index.js";
import type { Clock } from "../deps.js";
import type { FraudEvents } from "./events.js";
import type { FraudPolicy } from "./guard.js";

export const OTP_PAUSED = "OTPs to this number range are paused: too few of them were verified.";

/** How long a paused prefix's verdict is reused before the conversion is counted again. */
const PAUSED_VERDICT_MS = 2000;
/** A check hands out at most this many permits, valid this long (the window and verifications move on). */
const PERMITS_PER_CHECK = 50;
const PERMIT_MS = 2000;

interface PrefixState {
  /** The chain of checks (each waits for the previous one). */
  checks: Promise<unknown>;
  permits: number;
  permitsUntil: number;
  /** Counts of admitted OTPs still being written. */
  counting: Set<Promise<void>>;
  pausedUntil: number;
  pausedDetail: string;
}

type Verdict = "send" | "paused";

export class OtpConversionGuard {
  private readonly prefixes = new Map<string, PrefixState>();

  constructor(
    private readonly policy: Pick<FraudPolicy, "otpGuard" | "velocity">,
    private readonly store: Pick<Store, "fraud">,
    private readonly clock: Clock,
    private readonly events: FraudEvents,
  ) {}

  /** Runs `create(hold)` if the prefix may have another OTP; hold = store it but neither send nor charge. */
  async guard<T>(accountId: number, e164: string, create: (hold: boolean) => Promise<T>): Promise<T> {
    const prefix = prefixOf(e164, this.policy.velocity.prefixDigits);
    const key = `${accountId}:${prefix}`;
    const state = this.stateOf(key);
    const verdict =
      this.fromMemory(state) ?? (await this.inTurn(state, () => this.check(accountId, prefix, state)));
    this.forgetIfIdle(key, state);
    const at = this.clock.now();
    if (verdict === "paused") {
      this.events.refused("otp_conversion", accountId, state.pausedDetail, at);
      if (this.policy.otpGuard.action !== "hold") {
        throw new AppError("rate_limited", OTP_PAUSED, [], { rule: "otp_conversion", withCode: true });
      }
    }
    // Counted before it is created, so a check that starts meanwhile waits for this count.
    const counted = this.track(key, state, this.count(accountId, prefix, at, "created", 1));
    try {
      return await create(verdict === "paused");
    } catch (error) {
      await counted;
      await this.count(accountId, prefix, at, "created", -1);
      throw error;
    }
  }

  /** Counts a verified OTP (verify-otp.ts) in the bucket it was created in. */
  verified(accountId: number, e164: string, createdAt: number): Promise<void> {
    return this.count(accountId, prefixOf(e164, this.policy.velocity.prefixDigits), createdAt, "verified", 1);
  }

  /** A verdict that needs no query: a pause still in force, or a permit from the last check. */
  private fromMemory(state: PrefixState): Verdict | undefined {
    const now = this.clock.now();
    if (state.pausedUntil > now) return "paused";
    if (state.permits > 0 && state.permitsUntil > now) {
      state.permits--;
      return "send";
    }
    return undefined;
  }

  private async check(accountId: number, prefix: string, state: PrefixState): Promise<Verdict> {
    // An earlier turn may have handed out permits (or paused) while this one waited.
    const ready = this.fromMemory(state);
    if (ready) return ready;
    state.permits = 0;
    await Promise.all(state.counting);
    const { otpGuard } = this.policy;
    const now = this.clock.now();
    const since = conversionBucket(now - otpGuard.windowSeconds * 1000, otpGuard.windowSeconds);
    const stats = await this.store.fraud.otpConversion(accountId, prefix, since);
    const room = conversionRoom(stats, otpGuard);
    if (room > 0) {
      state.permits = Math.min(room, PERMITS_PER_CHECK) - 1;
      state.permitsUntil = now + PERMIT_MS;
      return "send";
    }
    const share = Math.round((stats.verified / stats.created) * 100);
    state.pausedUntil = now + PAUSED_VERDICT_MS;
    state.pausedDetail =
      `+${prefix}…: ${stats.verified} of ${stats.created} OTPs verified (${share}%) in ${otpGuard.windowSeconds} s, ` +
      `below ${otpGuard.minConversion * 100}%; ${otpGuard.action}`;
    return "paused";
  }

  private track(key: string, state: PrefixState, counting: Promise<void>): Promise<void> {
    state.counting.add(counting);
    void counting.then(() => {
      state.counting.delete(counting);
      this.forgetIfIdle(key, state);
    });
    return counting;
  }

  private inTurn<R>(state: PrefixState, fn: () => Promise<R>): Promise<R> {
    const turn = state.checks.then(fn);
    state.checks = turn.catch(() => {});
    return turn;
  }

  private stateOf(key: string): PrefixState {
    let state = this.prefixes.get(key);
    if (!state) {
      state = {
        checks: Promise.resolve(),
        permits: 0,
        permitsUntil: 0,
        counting: new Set(),
        pausedUntil: 0,
        pausedDetail: "",
      };
      this.prefixes.set(key, state);
    }
    return state;
  }

  /** A prefix with no check under way, no permits and no pause is dropped: all about it is in the store. */
  private forgetIfIdle(key: string, state: PrefixState): void {
    const chain = state.checks;
    void chain.then(() => {
      const now = this.clock.now();
      const idle =
        state.checks === chain &&
        state.pausedUntil <= now &&
        (state.permits === 0 || state.permitsUntil <= now) &&
        state.counting.size === 0;
      if (idle && this.prefixes.get(key) === state) this.prefixes.delete(key);
    });
  }

  /** A lost count must not fail a request that already succeeded: it is logged, and the guard errs open. */
  private async count(
    accountId: number,
    prefix: string,
    at: number,
    what: "created" | "verified",
    by: 1 | -1,
  ) {
    const bucket = conversionBucket(at, this.policy.otpGuard.windowSeconds);
    try {
      await this.store.fraud.countOtp(accountId, prefix, bucket, what, by);
    } catch (error) {
      this.events.failed(error, `could not count an OTP ${what}`);
    }
  }
}
