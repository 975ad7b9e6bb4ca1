/**
 * Voice out of the box: the built-in SIP endpoint simulator and a voice connector to it, when no voice
 * connector is configured; and the start-up check that espeak-ng is there whenever voice is on.
 */
import type { Logger } from "pino";
import type { Config } from "../../config.js";
import type { ConnectorSettings } from "../connector-types.js";
import { isSipScenario, type SipSimulator, startSipSimulator } from "./simulator/endpoint.js";
import { espeakProblem } from "./speech/espeak.js";

export const SIP_SIMULATOR_CONNECTOR_ID = "sip-simulator";
export const VOICE_SERVICES_ROUTED = ["text2speech", "text2speech_ssml"] as const;

export class VoiceStartupError extends Error {}

export interface EmbeddedVoice {
  simulator: SipSimulator | undefined;
  /** Settings of the voice connector to the simulator, when one is to be created. */
  connector: ConnectorSettings | undefined;
}

export async function startEmbeddedVoice(config: Readonly<Config>, log: Logger): Promise<EmbeddedVoice> {
  const d = config.delivery;
  const voiceConnectors = d.connectors.filter((c) => c.type === "voice");
  const wanted = d.voice.simulator.enabled;
  // "auto" goes with the SMSC simulator: the embedded defaults of the quick start, not a production setup.
  const embedded =
    voiceConnectors.length === 0 && (wanted === true || (wanted === "auto" && d.simulator.enabled));

  const binaries = new Set(
    voiceConnectors.map((c) => (c as { espeakBinary?: string }).espeakBinary ?? "espeak-ng"),
  );
  if (embedded) binaries.add("espeak-ng");
  for (const binary of binaries) {
    const problem = espeakProblem(binary);
    if (!problem) continue;
    // Configured voice, or a simulator asked for explicitly, cannot run without speech: say so and stop.
    if (voiceConnectors.length > 0 || wanted === true) throw new VoiceStartupError(problem);
    log.warn("voice is off: espeak-ng is not installed (apt-get install espeak-ng); SMS works as usual");
    return { simulator: undefined, connector: undefined };
  }
  if (!embedded) return { simulator: undefined, connector: undefined };

  const scenario = d.voice.simulator.scenario;
  const options = {
    host: d.voice.simulator.host,
    scenario: isSipScenario(scenario) ? scenario : "answer",
  } as const;
  // With an ephemeral SMSC simulator (tests), the SIP one is ephemeral too; in "auto", a taken port is no
  // reason to stop the gateway (another gateway on this host has the demo's SIP port): any free one does.
  const port = d.simulator.port === 0 ? 0 : d.voice.simulator.port;
  const simulator = await startSipSimulator({ ...options, port }).catch((error) => {
    if (wanted === true) throw new VoiceStartupError(`SIP simulator: ${(error as Error).message}`);
    log.warn({ err: error }, "SIP simulator port taken; using any free port");
    return startSipSimulator({ ...options, port: 0 });
  });
  log.info({ host: simulator.host, port: simulator.port }, "SIP endpoint simulator listening");
  return {
    simulator,
    connector: {
      type: "voice",
      id: SIP_SIMULATOR_CONNECTOR_ID,
      host: simulator.host,
      port: simulator.port,
      transport: "udp",
      localAddress: simulator.host,
      localPort: 0,
      maxConcurrentCalls: 50,
      ringTimeoutSeconds: d.voice.simulator.ringTimeoutSeconds,
      maxCallSeconds: 300,
      codecs: ["PCMU", "PCMA"],
      probeSeconds: 5,
      espeakBinary: "espeak-ng",
      wordsPerMinute: 160,
    },
  };
}
