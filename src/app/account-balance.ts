import type { Account } from "../store/ports/index.js";
import type { AppDeps } from "./deps.js";

/**
 * The balance as stored now. Authentication's account carries no balance (it may come from a cache, and
 * every send changes the balance), so whatever shows or checks it reads it here.
 */
export async function accountBalance(
  deps: AppDeps,
  accountId: number,
): Promise<Pick<Account, "balanceMicros" | "balanceChangedAt">> {
  const account = await deps.store.accounts.get(accountId);
  // Accounts are never deleted; one that authenticated a moment ago still exists.
  if (!account) throw new Error(`account ${accountId} vanished`);
  return account;
}
