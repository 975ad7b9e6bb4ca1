/** FullSMS refuses new sends unless the balance is over the account's minimum, in its own words. */
import { fromMicros } from "../../core/money.js";
import { AppError } from "../../errors.js";
import type { AccountProfile } from "../../store/ports/index.js";
import { accountBalance } from "../account-balance.js";
import type { AppDeps } from "../deps.js";

export function balanceLow(account: AccountProfile): AppError {
  return new AppError(
    "balance_low",
    `Balance must be over $${fromMicros(account.minBalanceMicros)} to create or schedule new campaigns or messages`,
  );
}

/** "Over" the minimum: a balance equal to it is refused too (and so is 0 with no minimum set). */
export async function requireBalanceOverMinimum(deps: AppDeps, account: AccountProfile): Promise<void> {
  const { balanceMicros } = await accountBalance(deps, account.id);
  if (balanceMicros <= account.minBalanceMicros) throw balanceLow(account);
}
