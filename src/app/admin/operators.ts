/**
 * Console operators: created from the CLI with a one-time password, logged in with a session token in
 * a cookie (only its SHA-256 is stored) and a CSRF token per session; locked after repeated failures.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { AppError } from "../../errors.js";
import type { AdminSession } from "../../store/ports/index.js";
import type { AppDeps } from "../deps.js";
import { hashPassword, newOneTimePassword, verifyPassword } from "./passwords.js";

export interface LoginPolicy {
  lockoutAttempts: number;
  lockoutMinutes: number;
  sessionHours: number;
}

const NAME = /^[A-Za-z0-9._@-]{1,64}$/;
const tokenHash = (token: string) => createHash("sha256").update(token).digest("hex");
/** A hash to spend the same time on when the name is unknown, so timing does not tell names apart. */
let decoyHash: Promise<string> | undefined;

export async function createOperator(
  deps: AppDeps,
  name: string,
): Promise<{ name: string; password: string }> {
  if (!NAME.test(name)) throw new AppError("validation", "operator names are 1-64 letters, digits, . _ @ -");
  const password = newOneTimePassword();
  const admin = await deps.store.admins.create(name, await hashPassword(password), deps.clock.now());
  if (!admin) throw new AppError("conflict", `operator ${name} exists (reset its password instead)`);
  return { name, password };
}

/** A new one-time password; the operator's sessions end and a lockout is lifted. */
export async function resetOperatorPassword(
  deps: AppDeps,
  name: string,
): Promise<{ name: string; password: string }> {
  const admin = await deps.store.admins.findByName(name);
  if (!admin) throw new AppError("not_found", `no operator ${name}`);
  const password = newOneTimePassword();
  await deps.store.admins.setPassword(admin.id, await hashPassword(password));
  await deps.store.admins.deleteSessionsOf(admin.id);
  return { name, password };
}

export type LoginResult =
  | { ok: true; token: string; csrfToken: string; expiresAt: number }
  | { ok: false; locked: boolean };

export async function login(
  deps: AppDeps,
  policy: LoginPolicy,
  name: string,
  password: string,
): Promise<LoginResult> {
  const now = deps.clock.now();
  const admin = NAME.test(name) ? await deps.store.admins.findByName(name) : undefined;
  if (!admin) {
    decoyHash ??= hashPassword("decoy");
    await verifyPassword(password, await decoyHash);
    return { ok: false, locked: false };
  }
  if (admin.lockedUntil !== null && admin.lockedUntil > now) return { ok: false, locked: true };
  if (!(await verifyPassword(password, admin.passwordHash))) {
    const lock = admin.failedLogins + 1 >= policy.lockoutAttempts;
    await deps.store.admins.loginFailed(admin.id, lock ? now + policy.lockoutMinutes * 60_000 : null);
    return { ok: false, locked: lock };
  }
  await deps.store.admins.loginSucceeded(admin.id);
  const token = randomBytes(32).toString("base64url");
  const csrfToken = randomBytes(24).toString("base64url");
  const expiresAt = now + policy.sessionHours * 3_600_000;
  await deps.store.admins.createSession(tokenHash(token), admin.id, csrfToken, expiresAt, now);
  return { ok: true, token, csrfToken, expiresAt };
}

export async function currentSession(
  deps: AppDeps,
  token: string | undefined,
): Promise<AdminSession | undefined> {
  if (!token || token.length > 100) return undefined;
  return deps.store.admins.session(tokenHash(token), deps.clock.now());
}

export async function logout(deps: AppDeps, token: string): Promise<void> {
  await deps.store.admins.deleteSession(tokenHash(token));
}

export function csrfMatches(given: unknown, expected: string): boolean {
  if (typeof given !== "string") return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function listOperators(deps: AppDeps) {
  return (await deps.store.admins.list()).map(({ passwordHash: _hidden, ...admin }) => admin);
}
