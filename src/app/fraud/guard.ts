/**
 * The anti-pumping rules as the acceptance path applies them: geo permissions (prepareMessage), velocity
 * limits (acceptMessages) and the OTP conversion guard (createOtp). One instance per gateway process;
 * every entry point that sends through app/send-message gets the same rules.
 */
import {
  ANY_COUNTRY,
  countryPermitted,
  permittedCountries,
  prefixOf,
  SlidingWindow,
} from "../../core/fraud.js";
import { type Message, Priority } from "../../core/message.js";
import { countryOf } from "../../core/phone.js";
import { AppError } from "../../errors.js";
import type { AccountProfile, FraudSettings, Store } from "../../store/ports/index.js";
import type { Clock } from "../deps.js";
import type { FraudEvents } from "./events.js";
import { OtpConversionGuard } from "./otp-guard.js";

export interface FraudPolicy {
  geo: { defaultCountries: readonly string[] };
  velocity: {
    prefixDigits: number;
    account: { limit: number; windowSeconds: number };
    prefix: { limit: number; windowSeconds: number };
  };
  otpGuard: { windowSeconds: number; minVolume: number; minConversion: number; action: "refuse" | "hold" };
  settingsCacheSeconds: number;
}

export const GEO_REFUSED = "Sending to this destination country is not permitted for your account.";
export { OTP_PAUSED } from "./otp-guard.js";

/** Windows are dropped once idle; looked for every this many new windows. */
const SWEEP_EVERY = 1000;

export class FraudGuard {
  private readonly settings = new Map<number, { until: number; value: Promise<FraudSettings> }>();
  private readonly windows = new Map<string, SlidingWindow>();
  private readonly otp: OtpConversionGuard;
  private created = 0;

  constructor(
    readonly policy: FraudPolicy,
    private readonly store: Pick<Store, "fraud">,
    private readonly clock: Clock,
    readonly events: FraudEvents,
  ) {
    this.otp = new OtpConversionGuard(policy, store, clock, events);
  }

  /** An account's own settings, kept `settingsCacheSeconds` (CLI changes from another process apply then). */
  settingsOf(accountId: number): Promise<FraudSettings> {
    const now = this.clock.now();
    const cached = this.settings.get(accountId);
    if (cached && cached.until > now) return cached.value;
    const value = this.store.fraud.getSettings(accountId);
    value.catch(() => this.settings.delete(accountId));
    this.settings.set(accountId, { until: now + this.policy.settingsCacheSeconds * 1000, value });
    return value;
  }

  /** Forgets what this process cached (after it changed the account's settings itself). */
  forget(accountId: number): void {
    this.settings.delete(accountId);
  }

  async countries(account: AccountProfile): Promise<Set<string>> {
    const own = await this.settingsOf(account.id);
    return permittedCountries(account.country, own.countries, this.policy.geo.defaultCountries);
  }

  /** Whether the account may send to this number; a refusal is counted and logged. */
  async countryPermitted(
    account: AccountProfile,
    e164: string,
    iso2: string | null = countryOf(e164),
  ): Promise<boolean> {
    const permitted = await this.countries(account);
    if (countryPermitted(permitted, iso2)) return true;
    const where = iso2 ?? "no country";
    this.events.refused(
      "geo",
      account.id,
      `${e164.slice(0, 6)}… (${where}) not in ${[...permitted].join(",")}`,
      this.clock.now(),
    );
    return false;
  }

  /**
   * Counts transactional messages against the account's and each destination prefix's sliding window,
   * all or nothing. Campaign (bulk) messages are not counted: they go to the account's own lists, and
   * pumping comes through single sends and OTPs. Returns the undo for an acceptance that then failed.
   */
  async admit(accountId: number, messages: Message[]): Promise<() => void> {
    const counted = messages.filter((m) => m.priority === Priority.TRANSACTIONAL);
    if (counted.length === 0) return () => {};
    const own = await this.settingsOf(accountId);
    const { velocity } = this.policy;
    const now = this.clock.now();
    const accountLimit = own.accountLimit ?? velocity.account.limit;
    const prefixLimit = own.prefixLimit ?? velocity.prefix.limit;

    const accountWindow = this.window(`a:${accountId}`, velocity.account.windowSeconds);
    const perPrefix = new Map<string, number>();
    for (const m of counted) {
      const prefix = prefixOf(m.phone, velocity.prefixDigits);
      perPrefix.set(prefix, (perPrefix.get(prefix) ?? 0) + 1);
    }
    if (accountWindow.count(now) + counted.length > accountLimit) {
      const wait = accountWindow.msUntilRoom(now, counted.length, accountLimit);
      throw this.tooMany(
        "velocity_account",
        accountId,
        now,
        wait,
        `more than ${accountLimit} messages in ${velocity.account.windowSeconds} s`,
        `Too many messages: your account may send ${accountLimit} per ${velocity.account.windowSeconds} seconds.`,
      );
    }
    const prefixWindows: [SlidingWindow, number][] = [];
    for (const [prefix, n] of perPrefix) {
      const w = this.window(`p:${accountId}:${prefix}`, velocity.prefix.windowSeconds);
      if (w.count(now) + n > prefixLimit) {
        const wait = w.msUntilRoom(now, n, prefixLimit);
        throw this.tooMany(
          "velocity_prefix",
          accountId,
          now,
          wait,
          `more than ${prefixLimit} messages to +${prefix}… in ${velocity.prefix.windowSeconds} s`,
          `Too many messages to numbers starting +${prefix}: at most ${prefixLimit} per ${velocity.prefix.windowSeconds} seconds.`,
        );
      }
      prefixWindows.push([w, n]);
    }
    accountWindow.tryAdd(now, counted.length, Number.POSITIVE_INFINITY);
    for (const [w, n] of prefixWindows) w.tryAdd(now, n, Number.POSITIVE_INFINITY);
    return () => {
      accountWindow.remove(now, counted.length);
      for (const [w, n] of prefixWindows) w.remove(now, n);
    };
  }

  /** Runs an OTP create under the conversion guard (otp-guard.ts); hold = store it, send and charge nothing. */
  guardOtp<T>(accountId: number, e164: string, create: (hold: boolean) => Promise<T>): Promise<T> {
    return this.otp.guard(accountId, e164, create);
  }

  /** Counts a verified OTP for its prefix's conversion. */
  otpVerified(accountId: number, e164: string, createdAt: number): Promise<void> {
    return this.otp.verified(accountId, e164, createdAt);
  }

  private tooMany(
    rule: "velocity_account" | "velocity_prefix",
    accountId: number,
    now: number,
    waitMs: number,
    detail: string,
    message: string,
  ) {
    this.events.refused(rule, accountId, detail, now);
    const retryAfterSeconds = Number.isFinite(waitMs) ? Math.max(1, Math.ceil(waitMs / 1000)) : undefined;
    return new AppError("rate_limited", message, [], {
      rule,
      withCode: true,
      ...(retryAfterSeconds ? { retryAfterSeconds } : {}),
    });
  }

  private window(key: string, windowSeconds: number): SlidingWindow {
    let w = this.windows.get(key);
    if (!w) {
      if (++this.created % SWEEP_EVERY === 0) this.sweep();
      w = new SlidingWindow(windowSeconds * 1000);
      this.windows.set(key, w);
    }
    return w;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [key, w] of this.windows) if (w.idle(now)) this.windows.delete(key);
  }
}

export { ANY_COUNTRY };
