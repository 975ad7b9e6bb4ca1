/**
 * Starts everything after acceptance: the SMSC simulator (the default connector), the configured SMPP
 * connectors, the dispatcher and the webhook dispatcher; and stops them in reverse order.
 */
import type { Logger } from "pino";
import type { AppDeps } from "../app/deps.js";
import { handleInbound, type InboundHooks } from "../app/handle-inbound.js";
import type { Config } from "../config.js";
import type { RouteRule } from "../core/routing.js";
import { WebhookDispatcher } from "../webhooks/dispatcher.js";
import type { Connector } from "./connector.js";
import { Dispatcher } from "./dispatcher.js";
import { isScenarioName, type Simulator, startSimulator } from "./simulator/index.js";
import { createSmppConnector, type SmppConnectorInput } from "./smpp/index.js";

export interface Delivery {
  dispatcher: Dispatcher | undefined;
  webhooks: WebhookDispatcher | undefined;
  simulator: Simulator | undefined;
  connectors: Map<string, Connector>;
  stop(): Promise<void>;
}

export const SIMULATOR_CONNECTOR_ID = "simulator";

export async function startDelivery(
  config: Readonly<Config>,
  deps: AppDeps,
  log: Logger,
  inbound: InboundHooks,
): Promise<Delivery> {
  const d = config.delivery;
  let simulator: Simulator | undefined;
  const connectors = new Map<string, Connector>();

  if (d.simulator.enabled) {
    const scenario = isScenarioName(d.simulator.scenario) ? d.simulator.scenario : "deliver";
    simulator = await startSimulator({
      host: d.simulator.host,
      port: d.simulator.port,
      scenario,
      receiptDelayMs: d.simulator.receiptDelayMs,
      // Each record (a message's text and ids) is ~1 KB of heap kept for the process's life: the
      // simulator's default of 100,000 made bursts grow the gateway by ~100 MB it never gave back.
      maxRecords: d.simulator.maxRecords,
      logger: log,
    });
  }
  for (const settings of d.connectors) {
    connectors.set(settings.id, createSmppConnector(settings as unknown as SmppConnectorInput, log));
  }
  if (simulator && d.connectors.length === 0) {
    connectors.set(
      SIMULATOR_CONNECTOR_ID,
      createSmppConnector(
        {
          id: SIMULATOR_CONNECTOR_ID,
          host: simulator.host,
          port: simulator.port,
          systemId: "starling",
          password: "starling",
          window: 100,
          throughputPerSecond: 0,
          ...d.simulator.connector,
        },
        log,
      ),
    );
  }
  // Without a route table, everything goes to the connectors in the order configured.
  const routes: RouteRule[] =
    d.routes.length > 0 ? d.routes : connectors.size > 0 ? [{ prefixes: [], countries: [], accountIds: [], connectors: [...connectors.keys()] }] : [];

  for (const connector of connectors.values()) {
    connector.on("inbound", (event) => {
      const { waitUntil, ...sms } = event;
      const stored = handleInbound(deps, inbound, { ...sms, receivedAt: event.receivedAt.getTime() });
      waitUntil?.(stored);
      stored.catch((error) => log.error({ err: error }, "handling an inbound message failed"));
    });
    connector.on("down", (error) => log.warn({ connector: connector.id, err: error }, "connector down"));
    connector.on("up", () => log.info({ connector: connector.id }, "connector up"));
  }
  await Promise.all([...connectors.values()].map((c) => c.start()));

  let dispatcher: Dispatcher | undefined;
  if (d.enabled) {
    dispatcher = new Dispatcher(
      { store: deps.store, clock: deps.clock, connectors, routes, log },
      {
        batchSize: d.batchSize,
        pollIntervalMs: d.pollIntervalMs,
        leaseMs: d.leaseSeconds * 1000,
        validityMs: d.validitySeconds * 1000,
        retry: d.retry,
        maxInFlight: d.maxInFlight,
        bulkMaxInFlight: d.bulkMaxInFlight,
      },
    );
    dispatcher.start();
  }
  let webhooks: WebhookDispatcher | undefined;
  if (config.webhooks.enabled) {
    webhooks = new WebhookDispatcher({ store: deps.store, clock: deps.clock, log }, config.webhooks);
    webhooks.start();
  }

  return {
    dispatcher,
    webhooks,
    simulator,
    connectors,
    async stop() {
      await dispatcher?.stop();
      await webhooks?.stop();
      await Promise.all([...connectors.values()].map((c) => c.stop()));
      await simulator?.close();
    },
  };
}
