/** First start with an empty store: one demo account and its token, so a new user can send at once. */
import type { AppDeps } from "./deps.js";
import { createAccount, createKey } from "./manage-accounts.js";

export interface DemoSettings {
  country: string;
  currency: string;
  balance: number;
}

export async function bootstrapDemo(
  deps: AppDeps,
  demo: DemoSettings,
): Promise<{ accountId: number; token: string } | undefined> {
  if ((await deps.store.accounts.count()) > 0) return undefined;
  const account = await createAccount(deps, {
    name: "Demo",
    country: demo.country,
    currency: demo.currency,
    balance: demo.balance,
  });
  const { token } = await createKey(deps, account.id, "demo");
  return { accountId: account.id, token };
}
