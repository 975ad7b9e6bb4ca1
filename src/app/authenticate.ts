import type { AccountProfile, ApiKey } from "../store/ports/index.js";
import { hashSecret, parseToken, secretMatches } from "./credentials.js";
import type { AppDeps } from "./deps.js";

export type AuthOutcome =
  | { ok: true; account: AccountProfile; key: ApiKey }
  | { ok: false; reason: "missing" | "invalid" | "disabled"; account?: AccountProfile };

// Compared against when the key id is unknown, so a miss costs the same as a wrong secret.
const DUMMY_HASH = hashSecret("starling-no-such-key");

export async function authenticate(deps: AppDeps, token: string | undefined): Promise<AuthOutcome> {
  if (!token) return { ok: false, reason: "missing" };
  const parsed = parseToken(token);
  if (!parsed) return { ok: false, reason: "invalid" };
  const found = await deps.store.keys.findWithAccount(parsed.keyId);
  const matches = secretMatches(parsed.secret, found?.key.secretHash ?? DUMMY_HASH);
  if (!found || !matches || found.key.revokedAt !== null) return { ok: false, reason: "invalid" };
  if (found.account.status !== "active") return { ok: false, reason: "disabled", account: found.account };
  return { ok: true, account: found.account, key: found.key };
}
