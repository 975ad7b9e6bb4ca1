/** FullSMS refuses new sends unless the balance is over the account's minimum, in its own words. */
import { fromMicros } from "../../core/money.js";
import { AppError, isAppError } from "../../errors.js";
import type { AccountProfile } from "../../store/ports/index.js";
import { accountBalance } from "../account-balance.js";
import type { AppDeps } from "../deps.js";

export function balanceLow(account: AccountProfile): AppError {
  return new AppError(
    "balance_low",
    `Balance must be over $${fromMicros(account.minBalanceMicros)} to create or schedule new campaigns or messages`,
  );
}

/** Dollars as a person reads them: at least two decimals ("0.10"), more only when the amount has them. */
function dollars(micros: number): string {
  const amount = fromMicros(micros);
  return Number.isInteger(amount * 100) ? amount.toFixed(2) : String(amount);
}

/**
 * The seed's balance_low body for a send the balance cannot pay: the same shape and opening words as the
 * minimum-balance refusal, saying what the send costs, what the account has and what it lacks (the
 * minimum's "$0" said nothing to a client holding $0.10 for a $0.35 send).
 */
export async function fundsShort(deps: AppDeps, accountId: number, requiredMicros: number): Promise<AppError> {
  const { balanceMicros } = await accountBalance(deps, accountId);
  const short = Math.max(requiredMicros - balanceMicros, 0);
  return new AppError(
    "balance_low",
    `Balance must be at least $${dollars(requiredMicros)} to create or schedule new campaigns or messages: ` +
      `the balance is $${dollars(balanceMicros)}, $${dollars(short)} short`,
  );
}

/** fundsShort for an insufficient_funds error (which carries the cost); any other error as it is. */
export async function asFundsShort(deps: AppDeps, accountId: number, error: unknown): Promise<unknown> {
  if (!isAppError(error) || error.code !== "insufficient_funds") return error;
  const required = error.details.requiredMicros;
  return typeof required === "number" ? fundsShort(deps, accountId, required) : error;
}

/** "Over" the minimum: a balance equal to it is refused too (and so is 0 with no minimum set). */
export async function requireBalanceOverMinimum(deps: AppDeps, account: AccountProfile): Promise<void> {
  const { balanceMicros } = await accountBalance(deps, account.id);
  if (balanceMicros <= account.minBalanceMicros) throw balanceLow(account);
}
