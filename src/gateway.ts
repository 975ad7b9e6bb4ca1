/**
 * The composition root: config → store → use-case deps → delivery → HTTP server, started in order and
 * stopped in reverse. Tests and benchmarks start a whole gateway through this, exactly as main.ts does.
 */
import type { FastifyInstance } from "fastify";
import { fullsmsDialect } from "./api/fullsms/index.js";
import { lox24Dialect } from "./api/lox24/index.js";
import { ConnectorBoard } from "./admin/connector-board.js";
import { consolePlugin } from "./admin/console/index.js";
import { adminPort, buildAdminServer, metricsRoute } from "./admin/server.js";
import { docsRoutes } from "./api/openapi/routes.js";
import { buildServer } from "./api/server.js";
import { type AppDeps, type Clock, systemClock } from "./app/deps.js";
import { resumeCampaigns, stopCampaigns } from "./app/fullsms/campaign-runner.js";
import { handleInboundForLists } from "./app/fullsms/inbound.js";
import type { Config } from "./config.js";
import { toMicros } from "./core/money.js";
import { type Delivery, startDelivery } from "./delivery/index.js";
import { createLogger } from "./logging.js";
import { AttemptLog } from "./metrics/attempt-log.js";
import { instrumentHttp } from "./metrics/http.js";
import { observeDelivery } from "./metrics/observe-delivery.js";
import { observeStore, type SubmitConnectors } from "./metrics/observe-store.js";
import { Metrics } from "./metrics/registry.js";
import { openStore } from "./store/open.js";
import type { Store } from "./store/ports/index.js";

export interface Gateway {
  config: Readonly<Config>;
  store: Store;
  deps: AppDeps;
  http: FastifyInstance;
  delivery: Delivery;
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
  /** Use this store instead of opening config.database.url (the caller then owns closing it). */
  store?: Store;
}

export async function startGateway(config: Readonly<Config>, options: GatewayOptions = {}): Promise<Gateway> {
  const store = options.store ?? (await openStore(config.database.url));
  const deps: AppDeps = {
    store,
    clock: options.clock ?? systemClock,
    pricing: { defaultPricePerPartMicros: toMicros(config.pricing.defaultPricePerPart) },
    otp: config.otp,
    ...(config.server.publicUrl ? { publicUrl: config.server.publicUrl } : {}),
  };

  const logger = createLogger(config.log.level, config.log.format);
  // Metrics observe the store and the connectors through their ports (see metrics/observe-*.ts).
  const metrics = new Metrics();
  const submits: SubmitConnectors = { lastConnector: new Map(), pace: new Map(), attempts: new AttemptLog() };
  observeStore(store, metrics, submits, deps.clock.now);
  const delivery = await startDelivery(config, deps, logger, {
    accountFor: async (to) => (await store.fullsms.numbers.find(to.replace(/^\+/, "")))?.accountId ?? null,
    after: [
      async (d, _accountId, sms) => {
        await handleInboundForLists(d, sms);
      },
    ],
  });
  deps.onAccepted = () => delivery.dispatcher?.poke();
  observeDelivery(metrics, store, delivery.connectors, submits, deps.clock.now);
  const board = new ConnectorBoard(delivery.connectors, routeTable(config, [...delivery.connectors.keys()]), deps.clock.now, submits.pace);

  const http = await buildServer(
    deps,
    {
      bodyLimitBytes: config.server.bodyLimitBytes,
      trustProxy: config.server.trustProxy,
      logLevel: config.log.level,
      logFormat: config.log.format,
      security: config.security,
    },
    // LOX24 last: it owns every path the others do not (its 404 is the default).
    [fullsmsDialect, lox24Dialect],
  );
  instrumentHttp(http, metrics);
  await http.register(docsRoutes);
  if (config.admin.metricsOnApi) http.get("/metrics", (_request, reply) => metricsRoute(metrics, reply));
  await http.listen({ host: config.server.host, port: config.server.port });
  const url = listenUrl(http, config.server.host);

  let admin: FastifyInstance | undefined;
  let adminUrl: string | undefined;
  if (config.admin.enabled) {
    admin = await buildAdminServer({
      metrics,
      logger,
      console: consolePlugin({ deps, policy: config.admin, board, apiUrl: url, attempts: submits.attempts }),
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
  const resumed = await resumeCampaigns(deps);
  if (resumed > 0) logger.info({ resumed }, "resumed campaigns");

  let stopped: Promise<void> | undefined;
  const stop = () => {
    // Stop accepting, let in-flight requests finish, then close the store.
    stopped ??= (async () => {
      await Promise.all([http.close(), admin?.close()]);
      await stopCampaigns(deps);
      await delivery.stop();
      if (!options.store) await store.close();
    })();
    return stopped;
  };

  return { config, store, deps, http, delivery, url, metrics, admin, adminUrl, stop };
}

/** The routes as the dispatcher uses them: configured, or every connector in order. */
function routeTable(config: Readonly<Config>, connectorIds: string[]) {
  if (config.delivery.routes.length > 0) return config.delivery.routes;
  return connectorIds.length > 0 ? [{ prefixes: [], countries: [], accountIds: [], connectors: connectorIds }] : [];
}

function listenUrl(server: FastifyInstance, host: string): string {
  const address = server.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}
