/**
 * The composition root: config → store → use-case deps → delivery → HTTP server, started in order and
 * stopped in reverse. Tests and benchmarks start a whole gateway through this, exactly as main.ts does.
 */
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { fullsmsDialect } from "./api/fullsms/index.js";
import { lox24Dialect } from "./api/lox24/index.js";
import { buildServer } from "./api/server.js";
import { type AppDeps, type Clock, systemClock } from "./app/deps.js";
import { CampaignRunner, resumeCampaigns } from "./app/fullsms/campaign-runner.js";
import { handleInboundForLists } from "./app/fullsms/inbound.js";
import { handleInbound } from "./app/handle-inbound.js";
import type { Config } from "./config.js";
import { toMicros } from "./core/money.js";
import { Dispatcher } from "./delivery/dispatcher.js";
import { type Delivery, dispatcherOptions, startConnectors } from "./delivery/index.js";
import { openStore } from "./store/open.js";
import type { Store } from "./store/ports/index.js";
import { WebhookDispatcher } from "./webhooks/dispatcher.js";

export interface Gateway {
  config: Readonly<Config>;
  store: Store;
  deps: AppDeps;
  http: FastifyInstance;
  /** The connectors (and the simulator) messages leave through. */
  delivery: Delivery;
  /** Claims queued messages and submits them (absent when `delivery.enabled` is off). */
  dispatcher: Dispatcher | undefined;
  /** Posts webhook events (absent when `webhooks.enabled` is off). */
  webhooks: WebhookDispatcher | undefined;
  /** Expands list campaigns in the background. */
  campaigns: CampaignRunner;
  /** Base URL the HTTP server listens on, e.g. http://127.0.0.1:8080 */
  url: string;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  clock?: Clock;
  /** Use this store instead of opening config.database.url (the caller then owns closing it). */
  store?: Store;
}

export async function startGateway(config: Readonly<Config>, options: GatewayOptions = {}): Promise<Gateway> {
  const store = options.store ?? (await openStore(config.database.url));
  const deps: AppDeps = {
    store,
    clock: options.clock ?? systemClock,
    pricing: {
      defaultPricePerPartMicros: toMicros(config.pricing.defaultPricePerPart),
      defaultVoicePricePerCallMicros: toMicros(config.pricing.defaultVoicePricePerCall),
    },
    otp: config.otp,
    ...(config.server.publicUrl ? { publicUrl: config.server.publicUrl } : {}),
  };

  const logger = pino({ level: config.log.level });
  // The background workers are peers, each owned here: none is a module-level singleton.
  const campaigns = new CampaignRunner(deps);
  deps.campaigns = campaigns;
  const inbound = {
    accountFor: async (to: string) => (await store.fullsms.numbers.find(to.replace(/^\+/, "")))?.accountId ?? null,
    after: [
      async (d: AppDeps, _accountId: number, sms: Parameters<typeof handleInboundForLists>[1]) => {
        await handleInboundForLists(d, sms);
      },
    ],
  };
  const delivery = await startConnectors(config, logger, (sms) => handleInbound(deps, inbound, sms));
  const dispatcher = config.delivery.enabled
    ? new Dispatcher(
        { store, clock: deps.clock, connectors: delivery.connectors, routes: delivery.routes, log: logger },
        dispatcherOptions(config.delivery),
      )
    : undefined;
  dispatcher?.start();
  const webhooks = config.webhooks.enabled
    ? new WebhookDispatcher({ store, clock: deps.clock, log: logger }, config.webhooks)
    : undefined;
  webhooks?.start();
  deps.onAccepted = () => dispatcher?.poke();

  const http = await buildServer(
    deps,
    {
      bodyLimitBytes: config.server.bodyLimitBytes,
      trustProxy: config.server.trustProxy,
      logLevel: config.log.level,
      security: config.security,
    },
    // LOX24 last: it owns every path the others do not (its 404 is the default).
    [fullsmsDialect, lox24Dialect],
  );
  await http.listen({ host: config.server.host, port: config.server.port });
  const address = http.server.address();
  const port = typeof address === "object" && address ? address.port : config.server.port;
  const url = `http://${config.server.host}:${port}`;
  // Campaigns a previous run left half-expanded carry on from where their last batch committed.
  const resumed = await resumeCampaigns(deps, campaigns);
  if (resumed > 0) logger.info({ resumed }, "resumed campaigns");

  let stopped: Promise<void> | undefined;
  const stop = () => {
    // Stop accepting, let in-flight requests finish, then close the store.
    stopped ??= (async () => {
      await http.close();
      await campaigns.stop();
      await dispatcher?.stop();
      await webhooks?.stop();
      await delivery.stop();
      if (!options.store) await store.close();
    })();
    return stopped;
  };

  return { config, store, deps, http, delivery, dispatcher, webhooks, campaigns, url, stop };
}
