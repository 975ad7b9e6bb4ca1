/**
 * Operator actions on an account's anti-pumping settings, and the status `starling fraud status` shows:
 * the rules in force, recent refusals per rule, and OTP conversion per destination prefix.
 */
import { ANY_COUNTRY, conversionBucket, conversionTooLow, permittedCountries } from "../../core/fraud.js";
import { utcDay } from "../../core/otp.js";
import { AppError } from "../../errors.js";
import type { FraudSettings, PrefixConversion, RefusalCount } from "../../store/ports/index.js";
import type { AppDeps } from "../deps.js";
import type { FraudPolicy } from "./guard.js";

const ISO2 = /^[A-Z]{2}$/;

async function requireAccount(deps: AppDeps, accountId: number) {
  const account = await deps.store.accounts.get(accountId);
  if (!account) throw new AppError("not_found", `account ${accountId} not found`);
  return account;
}

/** Reads "DE, at,FR" or "*" into a checked list; refuses anything that is not a country code. */
export function parseCountries(input: string): string[] {
  const list = input
    .split(",")
    .map((c) => c.trim().toUpperCase())
    .filter(Boolean);
  if (list.length === 0)
    throw new AppError("validation", "give at least one country (ISO 3166 alpha-2) or *");
  for (const c of list) {
    if (c !== ANY_COUNTRY && !ISO2.test(c)) throw new AppError("validation", `not a country code: ${c}`);
  }
  return [...new Set(list)];
}

export interface CountryChange {
  /** Replaces the list. */
  set?: string[];
  add?: string[];
  remove?: string[];
  /** Back to the default (own country + the gateway's list). */
  reset?: boolean;
}

/** Changes an account's permitted countries; returns the countries now in force. */
export async function changeCountries(
  deps: AppDeps,
  policy: Pick<FraudPolicy, "geo">,
  accountId: number,
  change: CountryChange,
): Promise<string[]> {
  const account = await requireAccount(deps, accountId);
  const current = await deps.store.fraud.getSettings(accountId);
  let next: string[] | null;
  if (change.reset) next = null;
  else {
    const base = change.set ?? [
      ...permittedCountries(account.country, current.countries, policy.geo.defaultCountries),
    ];
    const removed = new Set(change.remove ?? []);
    next = [...new Set([...base, ...(change.add ?? [])])].filter((c) => !removed.has(c));
    if (next.length === 0)
      throw new AppError("validation", "an account needs at least one country; disable it instead");
  }
  await deps.store.fraud.setSettings(accountId, { countries: next });
  deps.fraud?.forget(accountId);
  return [...permittedCountries(account.country, next, policy.geo.defaultCountries)].sort();
}

/** Sets (a number) or resets (null) an account's own velocity limits. */
export async function changeLimits(
  deps: AppDeps,
  accountId: number,
  limits: Partial<Pick<FraudSettings, "accountLimit" | "prefixLimit">>,
): Promise<void> {
  await requireAccount(deps, accountId);
  for (const value of Object.values(limits)) {
    if (value !== null && (!Number.isSafeInteger(value) || value < 1)) {
      throw new AppError("validation", "a limit must be a positive integer");
    }
  }
  await deps.store.fraud.setSettings(accountId, limits);
  deps.fraud?.forget(accountId);
}

export interface FraudStatus {
  accountId: number;
  countries: { permitted: string[]; own: boolean };
  velocity: {
    account: { limit: number; windowSeconds: number; own: boolean };
    prefix: { limit: number; windowSeconds: number; own: boolean; prefixDigits: number };
  };
  otpGuard: FraudPolicy["otpGuard"];
  /** Refusals per rule and UTC day, the last 7 days. */
  refusals: RefusalCount[];
  /** Busiest prefixes in the guard's window, with whether the guard holds them now. */
  otpPrefixes: (PrefixConversion & { conversion: number | null; paused: boolean })[];
}

export async function fraudStatus(
  deps: AppDeps,
  policy: FraudPolicy,
  accountId: number,
): Promise<FraudStatus> {
  const account = await requireAccount(deps, accountId);
  const own = await deps.store.fraud.getSettings(accountId);
  const now = deps.clock.now();
  const { velocity, otpGuard } = policy;
  const since = conversionBucket(now - otpGuard.windowSeconds * 1000, otpGuard.windowSeconds);
  const prefixes = await deps.store.fraud.otpConversionByPrefix(accountId, since, 20);
  return {
    accountId,
    countries: {
      permitted: [...permittedCountries(account.country, own.countries, policy.geo.defaultCountries)].sort(),
      own: own.countries !== null,
    },
    velocity: {
      account: {
        ...velocity.account,
        limit: own.accountLimit ?? velocity.account.limit,
        own: own.accountLimit !== null,
      },
      prefix: {
        ...velocity.prefix,
        limit: own.prefixLimit ?? velocity.prefix.limit,
        own: own.prefixLimit !== null,
        prefixDigits: velocity.prefixDigits,
      },
    },
    otpGuard,
    refusals: await deps.store.fraud.refusals(accountId, utcDay(now - 6 * 86_400_000)),
    otpPrefixes: prefixes.map((p) => ({
      ...p,
      conversion: p.created > 0 ? p.verified / p.created : null,
      paused: conversionTooLow(p, otpGuard),
    })),
  };
}
