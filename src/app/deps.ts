import type { Message } from "../core/message.js";
import type { Store } from "../store/ports/index.js";
import type { CounterRegistry } from "./counters.js";
import type { FraudGuard } from "./fraud/guard.js";
import type { IdempotencyPolicy } from "./idempotency.js";
import type { CampaignRunner } from "./fullsms/campaign-runner.js";
import type { OtpHashKeys } from "./otp-hash-keys.js";

export interface Clock {
  /** Unix milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** What every use case may need; passed in as one object so tests can swap the clock or the store. */
export interface AppDeps {
  store: Store;
  clock: Clock;
  pricing: { defaultPricePerPartMicros: number; defaultVoicePricePerCallMicros?: number };
  /**
   * OTP lifetime and code-hash keys (config `otp`, keys from app/otp-hash-keys.ts); absent = 600 s and a
   * key of this process's own (tests that build deps by hand).
   */
  otp?: { ttlSeconds: number; hashKeys?: OtpHashKeys | undefined };
  /** Public origin for FullSMS short links (config server.publicUrl, else the server's own URL). */
  publicUrl?: string;
  /** Called after messages were accepted (durably), so the dispatcher can take them without waiting to poll. */
  onAccepted?: (messages: readonly Message[]) => void;
  /** Anti-pumping rules (issue 16); absent = none (e.g. the CLI, which sends nothing). */
  fraud?: FraudGuard;
  /** Idempotency-Key handling on sends; absent = the header is ignored. */
  idempotency?: IdempotencyPolicy;
  /** Counters for metrics (fraud refusals, idempotent replays). */
  counters?: CounterRegistry;
  /** The background campaign runner; the composition root sets it (see campaign-runner.ts). */
  campaigns?: CampaignRunner;
}
