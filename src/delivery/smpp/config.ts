/**
 * SMPP connector settings. Carriers differ in the details (address TON/NPI, alphabet, id format), so each of
 * those is a setting rather than a guess. Defaults match src/config.ts where both define a key.
 */
import type { ConnectionOptions } from "node:tls";

export type IdFormat = "hex" | "decimal" | "raw";
export type BindMode = "transceiver" | "transmitter_receiver";

/** TON or NPI per kind of sender. */
export interface PerSenderKind {
  alphanumeric: number;
  international: number;
  shortCode: number;
}

export type SmppTlsOptions = Pick<
  ConnectionOptions,
  "ca" | "cert" | "key" | "rejectUnauthorized" | "servername" | "minVersion"
>;

export interface SmppConnectorConfig {
  id: string;
  host: string;
  port: number;
  tls: boolean;
  /** Extra node:tls options when tls is on (a private CA, client certificate, SNI name). */
  tlsOptions?: SmppTlsOptions;
  systemId: string;
  password: string;
  systemType: string;
  bindMode: BindMode;
  /** 0x34 = SMPP 3.4. */
  interfaceVersion: number;
  /** Submits per second on this connector; 0 = no limit of our own (the SMSC's throttling still applies). */
  throughputPerSecond: number;
  /** Requests sent and not yet answered, at most. */
  window: number;
  enquireLinkSeconds: number;
  /** A request without a response after this long fails (submit → temporary; enquire_link → reconnect). */
  responseTimeoutMs: number;
  reconnect: { minMs: number; maxMs: number };
  /** After ESME_RTHROTTLED: pause this long and halve the rate, then recover gradually. */
  throttlePauseMs: number;
  sourceTon: PerSenderKind;
  sourceNpi: PerSenderKind;
  destTon: number;
  destNpi: number;
  /** Canonical form of SMSC message ids (the form SubmitResult.smscIds and receipts carry). */
  receiptIdFormat: IdFormat;
  /** Base of the message_id in submit_sm_resp when it differs from the receipts'; defaults to receiptIdFormat. */
  submitIdFormat?: IdFormat;
  gsm7Packing: "unpacked" | "packed";
  /** What data_coding 0 means to this SMSC: GSM 03.38 or Latin-1. */
  defaultAlphabet: "gsm7" | "latin1";
  concatenation: "udh" | "sar";
  serviceType: string;
  /** How long a receipt that may belong to a submit still in flight is held back before it is emitted anyway. */
  receiptHoldMs: number;
  /** Parts of an inbound concatenated message are awaited this long; then what arrived is delivered. */
  inboundReassemblyMs: number;
}

type Required = "id" | "host" | "systemId" | "password";

/** What a caller must give; everything else has a default. */
export type SmppConnectorInput = Pick<SmppConnectorConfig, Required> &
  Partial<Omit<SmppConnectorConfig, Required | "reconnect" | "sourceTon" | "sourceNpi">> & {
    reconnect?: Partial<SmppConnectorConfig["reconnect"]>;
    sourceTon?: Partial<PerSenderKind>;
    sourceNpi?: Partial<PerSenderKind>;
  };

export const SMPP_CONNECTOR_DEFAULTS: Readonly<
  Omit<SmppConnectorConfig, Required | "tlsOptions" | "submitIdFormat">
> = Object.freeze({
  port: 2775,
  tls: false,
  systemType: "",
  bindMode: "transceiver",
  interfaceVersion: 0x34,
  throughputPerSecond: 1000,
  window: 50,
  enquireLinkSeconds: 30,
  responseTimeoutMs: 10_000,
  reconnect: Object.freeze({ minMs: 500, maxMs: 30_000 }),
  throttlePauseMs: 1000,
  sourceTon: Object.freeze({ alphanumeric: 5, international: 1, shortCode: 3 }),
  sourceNpi: Object.freeze({ alphanumeric: 0, international: 1, shortCode: 0 }),
  destTon: 1,
  destNpi: 1,
  receiptIdFormat: "raw",
  gsm7Packing: "unpacked",
  defaultAlphabet: "gsm7",
  concatenation: "udh",
  serviceType: "",
  receiptHoldMs: 2000,
  inboundReassemblyMs: 60_000,
});

/** Fills defaults and rejects values that would make the session misbehave. */
export function resolveSmppConfig(input: SmppConnectorInput): SmppConnectorConfig {
  const d = SMPP_CONNECTOR_DEFAULTS;
  // Keys given as undefined (e.g. from an optional config field) must not hide the defaults.
  const config = {
    ...d,
    ...stripUndefined(input),
    reconnect: { ...d.reconnect, ...stripUndefined(input.reconnect ?? {}) },
    sourceTon: { ...d.sourceTon, ...stripUndefined(input.sourceTon ?? {}) },
    sourceNpi: { ...d.sourceNpi, ...stripUndefined(input.sourceNpi ?? {}) },
  } as SmppConnectorConfig;
  const problems: string[] = [];
  if (!config.id) problems.push("id is required");
  if (!config.host) problems.push("host is required");
  if (!Number.isInteger(config.port) || config.port < 1 || config.port > 65535) problems.push("port");
  if (config.systemId.length > 15) problems.push("systemId is longer than 15 characters");
  if (config.password.length > 8) problems.push("password is longer than 8 characters");
  if (!(config.window >= 1)) problems.push("window must be at least 1");
  if (!(config.throughputPerSecond >= 0)) problems.push("throughputPerSecond must be >= 0");
  if (!(config.enquireLinkSeconds > 0)) problems.push("enquireLinkSeconds must be > 0");
  if (!(config.responseTimeoutMs > 0)) problems.push("responseTimeoutMs must be > 0");
  if (!(config.reconnect.minMs > 0) || config.reconnect.maxMs < config.reconnect.minMs) {
    problems.push("reconnect needs 0 < minMs <= maxMs");
  }
  if (problems.length > 0) throw new Error(`SMPP connector ${config.id || "?"}: ${problems.join("; ")}`);
  return config;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
