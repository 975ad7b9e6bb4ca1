/**
 * The voice connector against the built-in SIP endpoint simulator, through the connector contract. A call
 * is one "part" and SIP has no throttling, so those two cases do not apply; a trunk answering 503 stands
 * for a lost connection, and a trunk that answers nothing for a silent peer.
 */
import { pino } from "pino";
import { connectorSettingsSchema, createConnector } from "../../src/delivery/connector-types.js";
import { type SipScenario, startSipSimulator } from "../../src/delivery/voice/simulator/endpoint.js";
import { espeakProblem } from "../../src/delivery/voice/speech/espeak.js";
import { type PeerBehaviour, runConnectorContract } from "./connector.contract.js";

const SCENARIOS: Record<Exclude<PeerBehaviour, "throttle">, { queue: SipScenario[]; otherwise: SipScenario }> = {
  deliver: { queue: [], otherwise: "answer" },
  disconnect: { queue: ["unavailable"], otherwise: "answer" },
  silent: { queue: [], otherwise: "silent" },
};

let sequence = 0;

if (espeakProblem()) {
  // The contract's cases synthesise speech; without espeak-ng they cannot run (the SIP tests still do).
  const { it } = await import("node:test");
  it("connector contract (voice)", {
    skip: "espeak-ng is not installed (apt-get install espeak-ng)",
  }, () => {});
} else {
  runConnectorContract({
    name: "voice",
    timeoutMs: 5000,
    // A trunk that cut us off or never answered the INVITE placed no call: nothing reached a phone.
    unansweredKind: "temporary",
    notApplicable: { multipart: "a call is one part", throttle: "SIP trunks do not ask to slow down" },
    async start(behaviour: PeerBehaviour) {
      const scenario = SCENARIOS[behaviour as Exclude<PeerBehaviour, "throttle">];
      const sim = await startSipSimulator({ port: 0, ringMs: 20, scenario: scenario.otherwise });
      sim.queue(...scenario.queue);
      const connector = createConnector(
        connectorSettingsSchema.parse({
          type: "voice",
          id: `voice-contract-${++sequence}`,
          host: sim.host,
          port: sim.port,
          ringTimeoutSeconds: 1,
          probeSeconds: 1,
        }),
        { log: pino({ level: "silent" }) },
      );
      await connector.start();
      return {
        connector,
        accepted: () => sim.answered.map(() => ({})),
        async close() {
          await connector.stop();
          await sim.close();
        },
      };
    },
    request: (parts) => ({
      messageId: `voice-contract-message-${++sequence}`,
      source: "+491701234567",
      destination: "+14155552671",
      encoding: "ucs2",
      parts,
      registeredDelivery: true,
      voice: { text: parts.join(""), ssml: false, lang: "EN", destinationIso2: "US" },
    }),
  });
}
