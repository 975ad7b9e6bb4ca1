/**
 * SMPP logins. SMPP 3.4 caps the password at 8 characters, far below an API token's entropy, so unlike
 * tokens (plain SHA-256 of 32 random bytes) the password is stored as a salted scrypt hash: a leaked
 * table does not give the passwords away. Comparison is constant-time; an unknown system_id costs the
 * same hash as a wrong password.
 */
import { randomBytes, randomInt, scrypt, timingSafeEqual } from "node:crypto";
import type { AppDeps } from "../app/deps.js";
import { createKey } from "../app/manage-accounts.js";
import { AppError } from "../errors.js";
import type { AccountProfile, ApiKey } from "../store/ports/index.js";

const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
const SCRYPT = { N: 16384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

function randomText(length: number): string {
  let text = "";
  for (let i = 0; i < length; i++) text += ALPHABET[randomInt(ALPHABET.length)];
  return text;
}

function derive(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_LENGTH, SCRYPT, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** `scrypt$<salt hex>$<hash hex>` */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString("hex")}$${(await derive(password, salt)).toString("hex")}`;
}

export async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [scheme, saltHex, hashHex] = stored.split("$");
  if (scheme !== "scrypt" || !saltHex || !hashHex) return false;
  const given = await derive(password, Buffer.from(saltHex, "hex"));
  const expected = Buffer.from(hashHex, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const DUMMY_HASH = `scrypt$${"00".repeat(16)}$${"00".repeat(KEY_LENGTH)}`;

export interface SmppLogin {
  keyId: number;
  systemId: string;
  /** Shown once; only its hash is stored. */
  password: string;
}

/** Gives an existing key an SMPP login (replacing the one it had). */
export async function issueSmppLogin(deps: AppDeps, keyId: number): Promise<SmppLogin> {
  const found = await deps.store.keys.findWithAccount(keyId);
  if (!found || found.key.revokedAt !== null)
    throw new AppError("not_found", `key ${keyId} not found or revoked`);
  // system_id: 10 characters (SMPP allows 15), random so logins cannot be guessed from key numbers.
  const systemId = `st${randomText(8)}`;
  const password = randomText(8);
  await deps.store.smppServer.setCredential(keyId, systemId, await hashPassword(password), deps.clock.now());
  return { keyId, systemId, password };
}

/** `keys smpp ACCOUNT_ID`: a new key with an SMPP login. */
export async function createSmppKey(
  deps: AppDeps,
  accountId: number,
): Promise<SmppLogin & { accountId: number }> {
  const { key } = await createKey(deps, accountId, "smpp");
  return { ...(await issueSmppLogin(deps, key.id)), accountId };
}

export type BindAuth =
  | { ok: true; account: AccountProfile; key: ApiKey }
  | { ok: false; reason: "unknown_system_id" | "wrong_password" | "disabled" };

export async function authenticateBind(deps: AppDeps, systemId: string, password: string): Promise<BindAuth> {
  const login = systemId ? await deps.store.smppServer.findLogin(systemId) : undefined;
  const matches = await passwordMatches(password, login?.passwordHash ?? DUMMY_HASH);
  const found = login ? await deps.store.keys.findWithAccount(login.keyId) : undefined;
  if (!login || !found || found.key.revokedAt !== null) return { ok: false, reason: "unknown_system_id" };
  if (!matches) return { ok: false, reason: "wrong_password" };
  if (found.account.status !== "active") return { ok: false, reason: "disabled" };
  return { ok: true, account: found.account, key: found.key };
}
