/** Shared pieces of the SMPP tests: a silent logger, a simulator + connector pair, waiting helpers. */
import type { EventEmitter } from "node:events";
import { pino } from "pino";
import { encodeText } from "../../src/core/encoding/index.js";
import type { SubmitRequest } from "../../src/delivery/connector.js";
import { type Simulator, type SimulatorOptions, startSimulator } from "../../src/delivery/simulator/index.js";
import {
  createSmppConnector,
  type SmppConnector,
  type SmppConnectorInput,
} from "../../src/delivery/smpp/index.js";

export const silent = pino({ level: "silent" });

/**
 * Settings that keep tests fast: short reconnect delays, no pacing of our own. The response timeout stays
 * generous so a busy CI machine does not turn a slow answer into a failure; tests about timeouts set theirs.
 */
export const FAST: Partial<SmppConnectorInput> = {
  responseTimeoutMs: 3000,
  reconnect: { minMs: 20, maxMs: 100 },
  throughputPerSecond: 0,
  throttlePauseMs: 50,
};

/** Everything a test opened; closeAll() in afterEach closes it even when the test failed half-way. */
const opened: { close(): Promise<void> }[] = [];

export function track<T extends { close(): Promise<void> } | { stop(): Promise<void> }>(resource: T): T {
  opened.push("close" in resource ? resource : { close: () => resource.stop() });
  return resource;
}

export async function closeAll(): Promise<void> {
  for (const resource of opened.splice(0).reverse()) await resource.close();
}

export interface Pair {
  sim: Simulator;
  connector: SmppConnector;
  close(): Promise<void>;
}

/** A simulator on an ephemeral port and a connector bound to it (resolves once `up`). */
export async function startPair(
  simOptions: SimulatorOptions = {},
  connectorOptions: Partial<SmppConnectorInput> = {},
): Promise<Pair> {
  const sim = track(await startSimulator({ port: 0, receiptDelayMs: 5, logger: silent, ...simOptions }));
  const connector = track(
    createSmppConnector(
      {
        id: "test",
        host: "127.0.0.1",
        port: sim.port,
        systemId: "starling",
        password: "secret",
        ...FAST,
        ...connectorOptions,
      },
      silent,
    ),
  );
  const up = onceEvent(connector, "up", 3000);
  await connector.start();
  await up;
  return {
    sim,
    connector,
    async close() {
      await connector.stop();
      await sim.close();
    },
  };
}

export function onceEvent<T extends unknown[] = unknown[]>(
  emitter: EventEmitter<Record<string, unknown[]>> | EventEmitter,
  event: string,
  timeoutMs = 5000,
): Promise<T> {
  const source = emitter as EventEmitter;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      source.off(event, listener);
      reject(new Error(`no "${event}" within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (...args: unknown[]) => {
      clearTimeout(timer);
      resolve(args as T);
    };
    source.once(event, listener);
  });
}

/** Resolves once `predicate` holds; rejects after timeoutMs. */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

let counter = 0;

/** A SubmitRequest segmented the way the core does it. */
export function request(text: string, overrides: Partial<SubmitRequest> = {}): SubmitRequest {
  const encoded = encodeText(text);
  counter++;
  return {
    messageId: `msg-${counter}`,
    source: "Starling",
    destination: "+491701234567",
    encoding: encoded.encoding,
    parts: encoded.parts,
    registeredDelivery: true,
    ...overrides,
  };
}

/** Collects uncaught exceptions and unhandled rejections for the duration of a test file. */
export function trackUnhandled(): { errors: unknown[]; dispose(): void } {
  const errors: unknown[] = [];
  const onError = (error: unknown) => errors.push(error);
  process.on("uncaughtException", onError);
  process.on("unhandledRejection", onError);
  return {
    errors,
    dispose() {
      process.off("uncaughtException", onError);
      process.off("unhandledRejection", onError);
    },
  };
}
