import type { Store } from "../store/ports/index.js";
import type { CampaignRunner } from "./fullsms/campaign-runner.js";

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
  /** OTP lifetime and code-hash key (config `otp`); absent = 600 s and a key generated once per store. */
  otp?: { ttlSeconds: number; hashKey?: string | undefined };
  /** Public origin for FullSMS short links (config server.publicUrl, else the server's own URL). */
  publicUrl?: string;
  /** Called after messages were accepted, so the dispatcher can look at the queue without waiting to poll. */
  onAccepted?: () => void;
  /** The background campaign runner; the composition root sets it (see campaign-runner.ts). */
  campaigns?: CampaignRunner;
}
