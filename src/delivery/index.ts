/**
 * The connectors a gateway delivers through: the SMSC simulator (the default connector) and the configured
 * ones, each built by the factory of its type (connector-types.ts). The dispatcher, the webhook dispatcher
 * and the campaign runner are the composition root's (gateway.ts), peers of these connectors.
 */
import { dirname, join } from "node:path";
import type { Logger } from "pino";
import type { Config } from "../config.js";
import type { RouteRule } from "../core/routing.js";
import type { Connector, InboundEvent } from "./connector.js";
import { connectorSettingsSchema, createConnector } from "./connector-types.js";
import type { DispatcherOptions } from "./dispatcher.js";
import { isScenarioName, type Simulator, startSimulator } from "./simulator/index.js";
import { startEmbeddedVoice, VOICE_SERVICES_ROUTED } from "./voice/embedded.js";
import type { SipSimulator } from "./voice/simulator/endpoint.js";

export interface Delivery {
  simulator: Simulator | undefined;
  /** The built-in SIP endpoint simulator, when voice runs against it. */
  sipSimulator: SipSimulator | undefined;
  connectors: Map<string, Connector>;
  /** The route table, or, without one, every connector in the order configured. */
  routes: RouteRule[];
  stop(): Promise<void>;
}

export const SIMULATOR_CONNECTOR_ID = "simulator";

/** Handles an inbound SMS; the connector acknowledges it once the returned work settles. */
export type InboundHandler = (
  sms: Omit<InboundEvent, "waitUntil" | "receivedAt"> & { receivedAt: number },
) => Promise<unknown>;

export async function startConnectors(
  config: Readonly<Config>,
  log: Logger,
  onInbound: InboundHandler,
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
      ...simulatorJournal(config),
      // Each record (a message's text and ids) is ~1 KB of heap kept for the process's life: the
      // simulator's default of 100,000 made bursts grow the gateway by ~100 MB it never gave back.
      maxRecords: d.simulator.maxRecords,
      logger: log,
    });
  }
  const voice = await startEmbeddedVoice(config, log);
  for (const settings of d.connectors) connectors.set(settings.id, createConnector(settings, { log }));
  if (voice.connector) connectors.set(voice.connector.id, createConnector(voice.connector, { log }));
  if (simulator && !d.connectors.some((c) => c.type === "smpp")) {
    const tuning = Object.fromEntries(
      Object.entries(d.simulator.connector).filter(([, v]) => v !== undefined),
    );
    connectors.set(
      SIMULATOR_CONNECTOR_ID,
      createConnector(
        connectorSettingsSchema.parse({
          type: "smpp",
          ...SIMULATOR_CONNECTOR,
          id: SIMULATOR_CONNECTOR_ID,
          host: simulator.host,
          port: simulator.port,
          ...tuning,
        }),
        { log },
      ),
    );
  }
  // Without a route table: SMS to every SMS connector, voice to every voice connector, in the order configured.
  const carrying = (voiceRoute: boolean) =>
    [...connectors.values()].filter((c) => (c.services ?? ["direct"]).includes(voiceRoute ? "text2speech" : "direct")).map((c) => c.id);
  const routes: RouteRule[] =
    d.routes.length > 0
      ? d.routes
      : [
          { prefixes: [], countries: [], accountIds: [], connectors: carrying(false) },
          { prefixes: [], countries: [], accountIds: [], connectors: carrying(true), services: VOICE_SERVICES_ROUTED },
        ].filter((route) => route.connectors.length > 0);

  for (const connector of connectors.values()) {
    connector.on("inbound", (event) => {
      const { waitUntil, ...sms } = event;
      const stored = onInbound({ ...sms, receivedAt: event.receivedAt.getTime() });
      waitUntil?.(stored);
      stored.catch((error) => log.error({ err: error }, "handling an inbound message failed"));
    });
    connector.on("down", (error) => log.warn({ connector: connector.id, err: error }, "connector down"));
    connector.on("up", () => log.info({ connector: connector.id }, "connector up"));
  }
  await Promise.all([...connectors.values()].map((c) => c.start()));

  return {
    simulator,
    sipSimulator: voice.simulator,
    connectors,
    routes,
    async stop() {
      await Promise.all([...connectors.values()].map((c) => c.stop()));
      await simulator?.close();
      await voice.simulator?.close();
    },
  };
}

/** How Starling binds to its own simulator, before `delivery.simulator.connector` tunes it. */
const SIMULATOR_CONNECTOR = {
  systemId: "starling",
  password: "starling",
  window: 100,
  throughputPerSecond: 0,
} as const;

export function dispatcherOptions(d: Readonly<Config["delivery"]>): DispatcherOptions {
  return {
    batchSize: d.batchSize,
    pollIntervalMs: d.pollIntervalMs,
    leaseMs: d.leaseSeconds * 1000,
    validityMs: d.validitySeconds * 1000,
    retry: d.retry,
    maxInFlight: d.maxInFlight,
    bulkMaxInFlight: d.bulkMaxInFlight,
    voiceRetryPauseMs: d.voice.retryPauseSeconds * 1000,
  };
}

/** The simulator's journal: as configured, else beside a SQLite database file (PostgreSQL: none). */
function simulatorJournal(config: Readonly<Config>): { journal?: string } {
  const configured = config.delivery.simulator.journal;
  if (configured !== undefined) return configured === "" ? {} : { journal: configured };
  const url = config.database.url;
  if (/^postgres(ql)?:/.test(url)) return {};
  const sqlite = url.replace(/^sqlite:(\/\/)?/, "");
  if (sqlite === "" || sqlite === ":memory:") return {};
  return { journal: join(dirname(sqlite), "smsc-simulator.journal") };
}
