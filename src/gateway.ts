/**
 * The composition root: config → store → use-case deps → delivery → HTTP server, started in order and
 * stopped in reverse. Tests and benchmarks start a whole gateway through this, exactly as main.ts does.
 */
import { dirname, join } from "node:path";
import type { FastifyInstance } from "fastify";
import { fullsmsDialect } from "./api/fullsms/index.js";
import { lox24Dialect } from "./api/lox24/index.js";
import { ConnectorBoard } from "./admin/connector-board.js";
import { consolePlugin } from "./admin/console/index.js";
import { adminPort, buildAdminServer, metricsRoute } from "./admin/server.js";
import { docsRoutes } from "./api/openapi/routes.js";
import { renderLox24Webhook } from "./api/lox24/webhook-events.js";
import { buildServer } from "./api/server.js";
import { type AppDeps, type Clock, systemClock } from "./app/deps.js";
import { CampaignRunner, resumeCampaigns } from "./app/fullsms/campaign-runner.js";
import { loadOtpHashKeys } from "./app/otp-hash-keys.js";
import { handleInboundForLists } from "./app/fullsms/inbound.js";
import { handleInbound, type InboundHooks } from "./app/handle-inbound.js";
import { IpBlocker } from "./app/ip-block.js";
import type { Config } from "./config.js";
import { toMicros } from "./core/money.js";
import { startSafeSending } from "./safe-sending.js";
import { Dispatcher } from "./delivery/dispatcher.js";
import { EnRouteQuery } from "./delivery/en-route-query.js";
import { type Delivery, dispatcherOptions, startConnectors } from "./delivery/index.js";
import { type SmppServer, startSmppServer } from "./smpp-server/server.js";
import { createLogger } from "./logging.js";
import { instrumentHttp } from "./metrics/http.js";
import { observeDelivery } from "./metrics/observe-delivery.js";
import { observeStore, type SubmitConnectors } from "./metrics/observe-store.js";
import { Metrics } from "./metrics/registry.js";
import { exportSafeSendingCounters } from "./metrics/safe-sending.js";
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
  /** The SMPP server for customers, when smppServer.enabled. */
  smppServer: SmppServer | undefined;
  /** Base URL the HTTP server listens on, e.g. http://127.0.0.1:8080 */
  url: string;
  metrics: Metrics;
  /** The operator listener (console, /metrics); absent when admin.enabled is false. */
  admin: FastifyInstance | undefined;
  adminUrl: string | undefined;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  clock?: Clock;
  /** Use this store instead of opening config.database.url (the caller then owns closing it, and chooses its webhook renderer). */
  store?: Store;
}

/** The OTP key file: configured, else beside the SQLite file, else in ./data. */
function otpKeyFile(config: Readonly<Config>): string {
  if (config.otp.hashKeyFile) return config.otp.hashKeyFile;
  const sqlite = /^postgres(ql)?:\/\//.test(config.database.url)
    ? undefined
    : config.database.url.replace(/^sqlite:(\/\/)?/, "");
  return join(sqlite && sqlite !== ":memory:" ? dirname(sqlite) : "./data", "otp-hash.key");
}

export async function startGateway(config: Readonly<Config>, options: GatewayOptions = {}): Promise<Gateway> {
  // Delivery events become webhooks in LOX24's `sms.delivery` shape, the one dialect that defines them.
  const store =
    options.store ?? (await openStore(config.database.url, { renderWebhook: renderLox24Webhook }));
  const hashKeys = await loadOtpHashKeys(store, {
    configured: config.otp.hashKey,
    previous: config.otp.previousHashKeys,
    file: otpKeyFile(config),
  }).catch(async (error: Error) => {
    if (!options.store) await store.close();
    throw error;
  });
  const deps: AppDeps = {
    store,
    clock: options.clock ?? systemClock,
    pricing: {
      defaultPricePerPartMicros: toMicros(config.pricing.defaultPricePerPart),
      defaultVoicePricePerCallMicros: toMicros(config.pricing.defaultVoicePricePerCall),
    },
    otp: { ttlSeconds: config.otp.ttlSeconds, hashKeys },
    ...(config.server.publicUrl ? { publicUrl: config.server.publicUrl } : {}),
  };

  const logger = createLogger(config.log.level, config.log.format);
  // Metrics observe the store and the connectors through their ports (see metrics/observe-*.ts).
  const metrics = new Metrics();
  const submits: SubmitConnectors = { lastConnector: new Map(), pace: new Map() };
  observeStore(store, metrics, submits, deps.clock.now);
  let smppServer: SmppServer | undefined;
  const safety = startSafeSending(config, deps, logger);
  if (deps.counters) exportSafeSendingCounters(metrics, deps.counters);
  // The background workers are peers, each owned here: none is a module-level singleton.
  const campaigns = new CampaignRunner(deps);
  deps.campaigns = campaigns;
  const inbound: InboundHooks = {
    accountFor: async (to: string) =>
      (await store.fullsms.numbers.find(to.replace(/^\+/, "")))?.accountId ?? null,
    after: [
      async (d, _accountId, sms) => {
        await handleInboundForLists(d, sms);
      },
      async (_d, accountId, sms) => {
        await smppServer?.queueInbound(accountId, sms);
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
  // Late receipts: ask the SMSC about messages en route past queryAfterSeconds (0 = never).
  const d = config.delivery;
  const enRoute =
    d.enabled && d.queryAfterSeconds > 0
      ? new EnRouteQuery(
          { store, clock: deps.clock, connectors: delivery.connectors, log: logger },
          { afterMs: d.queryAfterSeconds * 1000, validityMs: d.validitySeconds * 1000 },
        )
      : undefined;
  enRoute?.start();
  const webhooks = config.webhooks.enabled
    ? new WebhookDispatcher({ store, clock: deps.clock, log: logger }, config.webhooks)
    : undefined;
  webhooks?.start();
  deps.onAccepted = (messages) => dispatcher?.accepted(messages);
  const ipBlocker = new IpBlocker({
    limit: config.security.badCredentialLimit,
    windowMs: config.security.badCredentialWindowSeconds * 1000,
    blockMs: config.security.ipBlockSeconds * 1000,
  });
  observeDelivery(metrics, store, delivery.connectors, submits, deps.clock.now);
  const board = new ConnectorBoard(delivery.connectors, delivery.routes, deps.clock.now, submits.pace);

  const http = await buildServer(
    deps,
    {
      bodyLimitBytes: config.server.bodyLimitBytes,
      trustedProxies: config.server.trustedProxies,
      logLevel: config.log.level,
      logFormat: config.log.format,
      security: config.security,
      ipBlocker,
    },
    // LOX24 last: it owns every path the others do not (its 404 is the default).
    [fullsmsDialect, lox24Dialect],
  );
  instrumentHttp(http, metrics);
  await http.register(docsRoutes);
  if (config.admin.metricsOnApi) http.get("/metrics", (_request, reply) => metricsRoute(metrics, reply));
  await http.listen({ host: config.server.host, port: config.server.port });
  const url = listenUrl(http, config.server.host);
  if (config.smppServer.enabled) {
    smppServer = await startSmppServer({
      deps,
      config: config.smppServer,
      log: logger,
      ipBlocker,
      validitySeconds: config.delivery.validitySeconds,
    });
  }

  let admin: FastifyInstance | undefined;
  let adminUrl: string | undefined;
  if (config.admin.enabled) {
    admin = await buildAdminServer({
      metrics,
      logger,
      console: consolePlugin({ deps, policy: config.admin, board, apiUrl: url }),
    });
    try {
      await admin.listen({ host: config.admin.host, port: adminPort(config.admin.port, config.server.port) });
    } catch (error) {
      // E.g. the admin port is taken: leave nothing running behind the error.
      await http.close();
      await delivery.stop();
      if (!options.store) await store.close();
      throw error;
    }
    adminUrl = listenUrl(admin, config.admin.host);
  }
  // Campaigns a previous run left half-expanded carry on from where their last batch committed.
  const resumed = await resumeCampaigns(deps, campaigns);
  if (resumed > 0) logger.info({ resumed }, "resumed campaigns");

  let stopped: Promise<void> | undefined;
  const stop = () => {
    // Stop accepting, let in-flight requests finish, then close the store.
    stopped ??= (async () => {
      await smppServer?.close();
      await Promise.all([http.close(), admin?.close()]);
      await campaigns.stop();
      await enRoute?.stop();
      await dispatcher?.stop();
      await webhooks?.stop();
      await delivery.stop();
      await safety.stop();
      if (!options.store) await store.close();
    })();
    return stopped;
  };

  return {
    config,
    store,
    deps,
    http,
    delivery,
    dispatcher,
    webhooks,
    campaigns,
    smppServer,
    url,
    metrics,
    admin,
    adminUrl,
    stop,
  };
}

function listenUrl(server: FastifyInstance, host: string): string {
  const address = server.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}
