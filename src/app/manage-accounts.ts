/** Operator actions on accounts and keys (CLI and demo bootstrap). */
import { randomBytes } from "node:crypto";
import type { ServiceCode } from "../core/message.js";
import { toMicros } from "../core/money.js";
import { AppError } from "../errors.js";
import type { Account, ApiKey } from "../store/ports/index.js";
import { formatToken, hashSecret, newSecret } from "./credentials.js";
import type { AppDeps } from "./deps.js";

export interface CreateAccountInput {
  name: string;
  country: string;
  currency?: string;
  balance?: number | string;
  timezone?: string;
}

export async function createAccount(deps: AppDeps, input: CreateAccountInput): Promise<Account> {
  if (!/^[A-Z]{2}$/.test(input.country)) throw new AppError("validation", "country must be ISO 3166 alpha-2");
  return deps.store.accounts.create(
    {
      name: input.name,
      country: input.country,
      currency: input.currency ?? "EUR",
      balanceMicros: toMicros(input.balance ?? 0),
      webhookSecret: randomBytes(32).toString("hex"),
      ...(input.timezone ? { timezone: input.timezone } : {}),
    },
    deps.clock.now(),
  );
}

/** Creates a key and returns its token; the token is shown once and only its hash is kept. */
export async function createKey(
  deps: AppDeps,
  accountId: number,
  name: string | null = null,
): Promise<{ key: ApiKey; token: string }> {
  const account = await deps.store.accounts.get(accountId);
  if (!account) throw new AppError("not_found", `account ${accountId} not found`);
  const secret = newSecret();
  const key = await deps.store.keys.create(accountId, hashSecret(secret), name, deps.clock.now());
  return { key, token: formatToken(key.id, secret) };
}

/** Voice needs a voice connector, which Starling does not have yet, so it cannot be enabled. */
const ENABLEABLE_SERVICES: readonly ServiceCode[] = ["direct"];

export async function setServices(deps: AppDeps, accountId: number, services: ServiceCode[]): Promise<Account> {
  const unavailable = services.filter((s) => !ENABLEABLE_SERVICES.includes(s));
  if (unavailable.length > 0) {
    throw new AppError("unprocessable", `service not available on this gateway yet: ${unavailable.join(", ")}`);
  }
  const account = await deps.store.accounts.update(accountId, { services });
  if (!account) throw new AppError("not_found", `account ${accountId} not found`);
  return account;
}
