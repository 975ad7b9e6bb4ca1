/** FullSMS refuses new sends unless the balance is over the account's minimum, in its own words. */
import { fromMicros } from "../../core/money.js";
import { AppError } from "../../errors.js";
import type { Account } from "../../store/ports/index.js";

export function balanceLow(account: Account): AppError {
  return new AppError(
    "balance_low",
    `Balance must be over $${fromMicros(account.minBalanceMicros)} to create or schedule new campaigns or messages`,
  );
}

/** "Over" the minimum: a balance equal to it is refused too (and so is 0 with no minimum set). */
export function requireBalanceOverMinimum(account: Account): void {
  if (account.balanceMicros <= account.minBalanceMicros) throw balanceLow(account);
}
