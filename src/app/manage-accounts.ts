/** Operator actions on accounts and keys (CLI and demo bootstrap). */
import { randomBytes } from "node:crypto";
import { SERVICE_CODES, type ServiceCode } from "../core/message.js";
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

/** SMS ("direct") and voice (text2speech, text2speech_ssml: calls through the voice connectors). */
export async function setServices(deps: AppDeps, accountId: number, services: ServiceCode[]): Promise<Account> {
  const unknown = services.filter((s) => !SERVICE_CODES.includes(s));
  if (unknown.length > 0) {
    throw new AppError("unprocessable", `unknown service: ${unknown.join(", ")} (known: ${SERVICE_CODES.join(", ")})`);
  }
  const account = await deps.store.accounts.update(accountId, { services: [...new Set(services)] });
  if (!account) throw new AppError("not_found", `account ${accountId} not found`);
  return account;
}
