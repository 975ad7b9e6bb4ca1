/**
 * Composition of safe sending (issue 16): the counter registry, the fraud guard and its refusal log, and
 * the idempotency policy with its purge, attached to the use cases' deps. Kept out of gateway.ts so the
 * composition root only calls start and stop.
 */
import type { Logger } from "pino";
import { CounterRegistry } from "./app/counters.js";
import type { AppDeps } from "./app/deps.js";
import { FraudEvents } from "./app/fraud/events.js";
import { FraudGuard } from "./app/fraud/guard.js";
import { startKeyPurge } from "./app/idempotency.js";
import type { Config } from "./config.js";

/** How often refusal counts are written for `starling fraud status`. */
const REFUSAL_FLUSH_MS = 2000;

export function startSafeSending(
  config: Readonly<Config>,
  deps: AppDeps,
  logger: Logger,
): { stop(): Promise<void> } {
  const counters = new CounterRegistry();
  deps.counters = counters;
  const log = logger.child({ component: "safe-sending" });
  const { idempotency, fraud } = config;
  deps.idempotency = {
    windowMs: idempotency.windowSeconds * 1000,
    inFlightWaitMs: idempotency.inFlightWaitMs,
    abandonedAfterMs: idempotency.abandonedAfterSeconds * 1000,
  };
  const stopPurge = startKeyPurge(deps, idempotency.purgeIntervalSeconds * 1000, (err) =>
    log.error({ err }, "could not purge idempotency keys"),
  );
  // Conversion buckets older than two windows can no longer count for anything.
  const conversionPurge = setInterval(() => {
    const before = deps.clock.now() - 2 * fraud.otpGuard.windowSeconds * 1000;
    deps.store.fraud
      .purgeOtpConversion(before)
      .catch((err) => log.error({ err }, "could not purge OTP counts"));
  }, idempotency.purgeIntervalSeconds * 1000);
  conversionPurge.unref();
  let events: FraudEvents | undefined;
  if (fraud.enabled) {
    events = new FraudEvents(deps.store.fraud, counters, log);
    events.start(REFUSAL_FLUSH_MS);
    deps.fraud = new FraudGuard(fraud, deps.store, deps.clock, events);
  }
  return {
    async stop() {
      stopPurge();
      clearInterval(conversionPurge);
      await events?.stop();
    },
  };
}
