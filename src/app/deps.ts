import type { Store } from "../store/ports/index.js";

export interface Clock {
  /** Unix milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** What every use case may need; passed in as one object so tests can swap the clock or the store. */
export interface AppDeps {
  store: Store;
  clock: Clock;
  pricing: { defaultPricePerPartMicros: number };
  /** Called after messages were accepted, so the dispatcher can look at the queue without waiting to poll. */
  onAccepted?: () => void;
}
