/** SMPP as a connector type: the settings schema of config.ts and the SmppConnector. */
import { connectorType } from "../connector-type.js";
import { smppSettingsSchema } from "./config.js";
import { SmppConnector } from "./connector.js";

export const smppConnectorType = connectorType({
  type: "smpp",
  settings: smppSettingsSchema,
  create: (settings, { log }) => new SmppConnector(settings, log),
});
