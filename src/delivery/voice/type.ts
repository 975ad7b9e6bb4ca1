/** Voice as a connector type: a SIP trunk, with speech synthesised by espeak-ng. */
import { connectorType } from "../connector-type.js";
import { voiceSettingsSchema } from "./config.js";
import { VoiceConnector } from "./connector.js";

export const voiceConnectorType = connectorType({
  type: "voice",
  settings: voiceSettingsSchema,
  create: (settings, { log }) => new VoiceConnector(settings, log),
});
