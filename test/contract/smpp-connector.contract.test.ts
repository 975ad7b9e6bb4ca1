/** The SMPP connector against the built-in simulator, through the connector contract. */
import { connectorSettingsSchema, createConnector } from "../../src/delivery/connector-types.js";
import { startSimulator } from "../../src/delivery/simulator/index.js";
import { onceEvent, silent } from "../smpp/helpers.js";
import { type PeerBehaviour, runConnectorContract } from "./connector.contract.js";

const SCENARIOS = {
  deliver: { scenario: "deliver" },
  throttle: { scenario: "throttle", scenarioOptions: { throttleEvery: 1 } },
  disconnect: { scenario: "drop", scenarioOptions: { dropAfter: 1 } },
  silent: { scenario: "blackhole" },
} as const;

let sequence = 0;

runConnectorContract({
  name: "smpp",
  timeoutMs: 5000,
  async start(behaviour: PeerBehaviour) {
    const sim = await startSimulator({ port: 0, receiptDelayMs: 5, logger: silent, ...SCENARIOS[behaviour] });
    const connector = createConnector(
      connectorSettingsSchema.parse({
        type: "smpp",
        id: `contract-${++sequence}`,
        host: "127.0.0.1",
        port: sim.port,
        systemId: "starling",
        password: "secret",
        throughputPerSecond: 0,
        responseTimeoutMs: 500,
        reconnect: { minMs: 20, maxMs: 100 },
        throttlePauseMs: 10,
      }),
      { log: silent },
    );
    const up = onceEvent(connector, "up", 5000);
    await connector.start();
    await up;
    return {
      connector,
      accepted: () => sim.stats.submits.map((r) => (r.concat ? { part: r.concat.seq } : {})),
      async close() {
        await connector.stop();
        await sim.close();
      },
    };
  },
  request: (parts) => ({
    messageId: `contract-message-${++sequence}`,
    source: "Starling",
    destination: "+491701234567",
    encoding: "gsm7",
    parts,
    registeredDelivery: true,
  }),
});
