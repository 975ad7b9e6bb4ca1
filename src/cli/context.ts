import { type AppDeps, systemClock } from "../app/deps.js";
import { loadConfig } from "../config.js";
import { toMicros } from "../core/money.js";
import { openStore } from "../store/open.js";

export interface CliContext {
  deps: AppDeps;
}

/** Opens the store the gateway uses (same config) for one command, and closes it after. */
export async function withContext(fn: (ctx: CliContext) => Promise<void>): Promise<void> {
  const config = loadConfig();
  const store = await openStore(config.database.url);
  try {
    await fn({
      deps: { store, clock: systemClock, pricing: {
        defaultPricePerPartMicros: toMicros(config.pricing.defaultPricePerPart),
        defaultVoicePricePerCallMicros: toMicros(config.pricing.defaultVoicePricePerCall),
      } },
    });
  } finally {
    await store.close();
  }
}
