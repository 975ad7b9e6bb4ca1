/** The SMPP connector's public surface; everything else in this folder is an implementation detail. */
export type { Acknowledgeable } from "./acknowledge.js";
export {
  type BindMode,
  type IdFormat,
  type PerSenderKind,
  resolveSmppConfig,
  SMPP_CONNECTOR_DEFAULTS,
  type SmppConnectorConfig,
  type SmppConnectorInput,
  type SmppTlsOptions,
} from "./config.js";
export { createSmppConnector, SmppConnector } from "./connector.js";
export { normaliseSmscId } from "./message-id.js";
export { classifySubmitStatus, Status, statusName } from "./status.js";
