/**
 * Idempotent sends: the first request with an Idempotency-Key runs, its answer is stored with the key, and
 * a retry with the same key and the same request gets that answer again instead of a second message.
 * Protocol-neutral: an entry point (the HTTP dialects today) supplies the fingerprint and the answer.
 */
import { createHash } from "node:crypto";
import { AppError } from "../errors.js";
import type { StoredResponse } from "../store/ports/index.js";
import { COUNTERS } from "./counters.js";
import type { AppDeps } from "./deps.js";

export interface IdempotencyPolicy {
  windowMs: number;
  /** How long a retry waits for the first request's answer before it is told 409. */
  inFlightWaitMs: number;
  abandonedAfterMs: number;
}

export const MAX_KEY_LENGTH = 255;
export const KEY_MISMATCH = "This Idempotency-Key was already used with a different request.";
export const KEY_IN_FLIGHT = "A request with this Idempotency-Key is still being processed. Retry later.";

/** Checks a key as sent; throws a validation error naming the header. */
export function checkKey(key: string): string {
  // Printable ASCII only: keys are compared byte for byte and echoed in logs.
  if (key.length === 0 || key.length > MAX_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key)) {
    throw new AppError("validation", "bad Idempotency-Key", [
      {
        field: "Idempotency-Key",
        message: `This value should be 1 to ${MAX_KEY_LENGTH} printable ASCII characters.`,
      },
    ]);
  }
  return key;
}

/** What makes two requests the same: the operation and its body (as parsed JSON, so whitespace does not count). */
export function fingerprintOf(operation: string, body: unknown): string {
  return createHash("sha256")
    .update(operation)
    .update("\n")
    .update(JSON.stringify(body ?? null))
    .digest("base64url");
}

/** In-process wake-ups for retries waiting on a key this process is answering. */
const waiters = new Map<string, Set<() => void>>();
const waiterKey = (accountId: number, key: string) => `${accountId}\u0000${key}`;

function wake(accountId: number, key: string): void {
  const id = waiterKey(accountId, key);
  const set = waiters.get(id);
  if (!set) return;
  waiters.delete(id);
  for (const resolve of set) resolve();
}

/** Resolves when this process finishes the key, or after `ms` (another process may have finished it). */
function waitFor(accountId: number, key: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const id = waiterKey(accountId, key);
    const set = waiters.get(id) ?? new Set();
    waiters.set(id, set);
    const done = () => {
      clearTimeout(timer);
      set.delete(done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    set.add(done);
  });
}

/** Poll interval while waiting for another process's answer. */
const POLL_MS = 100;

export type Begun = { kind: "first" } | { kind: "replay"; response: StoredResponse };

/**
 * Claims the key for this request: "first" means run it (then call finishKey), "replay" carries the stored
 * answer. A different request under the key is 422; one still running after the wait is 409.
 */
export async function beginKey(
  deps: AppDeps,
  accountId: number,
  key: string,
  fingerprint: string,
): Promise<Begun> {
  const policy = deps.idempotency!;
  const started = Date.now();
  for (;;) {
    const now = deps.clock.now();
    const outcome = await deps.store.idempotency.claim({
      accountId,
      key,
      fingerprint,
      now,
      expiresAt: now + policy.windowMs,
      abandonedBefore: now - policy.abandonedAfterMs,
    });
    const left = policy.inFlightWaitMs - (Date.now() - started);
    if (outcome.kind === "in_flight" && left > 0) {
      await waitFor(accountId, key, Math.min(POLL_MS, left));
      continue;
    }
    const label = outcome.kind === "claimed" ? "first" : outcome.kind;
    deps.counters?.inc(COUNTERS.idempotentRequests, { outcome: label });
    switch (outcome.kind) {
      case "claimed":
        return { kind: "first" };
      case "replay":
        return { kind: "replay", response: outcome.response };
      case "mismatch":
        throw new AppError("unprocessable", KEY_MISMATCH, [], { rule: "idempotency" });
      case "in_flight":
        throw new AppError("idempotency_in_flight", KEY_IN_FLIGHT, [], { retryAfterSeconds: 1 });
    }
  }
}

/**
 * Stores the first request's answer when it succeeded (2xx). A refused request changed nothing (every
 * refusal happens before the one debit-and-store transaction), so its key is released and the client may
 * send the same key again, e.g. after topping up.
 */
export async function finishKey(
  deps: AppDeps,
  accountId: number,
  key: string,
  response: StoredResponse,
): Promise<void> {
  try {
    if (response.status >= 200 && response.status < 300) {
      await deps.store.idempotency.complete(accountId, key, response);
    } else {
      await deps.store.idempotency.release(accountId, key);
    }
  } finally {
    wake(accountId, key);
  }
}

/** Deletes keys past their window every `intervalMs`; returns the stop function. */
export function startKeyPurge(
  deps: AppDeps,
  intervalMs: number,
  onError: (error: unknown) => void,
): () => void {
  const timer = setInterval(() => {
    deps.store.idempotency.purge(deps.clock.now()).catch(onError);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
