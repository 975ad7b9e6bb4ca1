/**
 * SMPP connector settings: one schema, the only place SMPP's options and their defaults are written. The
 * config file's connectors of type "smpp" are validated by it (strictly: a misspelt key stops start-up,
 * naming it), and so is what tests pass to createSmppConnector. Carriers differ in the details (address
 * TON/NPI, alphabet, id format), so each of those is a setting rather than a guess.
 */
import type { ConnectionOptions } from "node:tls";
import { z } from "zod";

export type IdFormat = "hex" | "decimal" | "raw";
export type BindMode = "transceiver" | "transmitter_receiver";

const int = z.number().int();
const positive = int.positive();
const pem = z.union([z.string(), z.instanceof(Buffer)]);
const idFormat = z.enum(["hex", "decimal", "raw"]);
/** TON or NPI per kind of sender. */
const perSenderKind = (d: { alphanumeric: number; international: number; shortCode: number }) =>
  z
    .object({
      alphanumeric: int.min(0).default(d.alphanumeric),
      international: int.min(0).default(d.international),
      shortCode: int.min(0).default(d.shortCode),
    })
    .strict()
    .prefault({});

export const smppSettingsSchema = z
  .object({
    id: z.string().min(1),
    host: z.string().min(1),
    port: int.min(1).max(65535).default(2775),
    tls: z.boolean().default(false),
    /** Extra node:tls options when tls is on (a private CA, client certificate, SNI name). */
    tlsOptions: z
      .object({
        ca: z.union([pem, z.array(pem)]).optional(),
        cert: z.union([pem, z.array(pem)]).optional(),
        key: z.union([pem, z.array(pem)]).optional(),
        rejectUnauthorized: z.boolean().optional(),
        servername: z.string().optional(),
        minVersion: z.enum(["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]).optional(),
      })
      .strict()
      .optional(),
    systemId: z.string().max(15, "systemId is longer than 15 characters"),
    password: z.string().max(8, "password is longer than 8 characters"),
    systemType: z.string().default(""),
    bindMode: z.enum(["transceiver", "transmitter_receiver"]).default("transceiver"),
    /** 0x34 = SMPP 3.4. */
    interfaceVersion: int.default(0x34),
    /** Submits per second on this connector; 0 = no limit of our own (the SMSC's throttling still applies). */
    throughputPerSecond: z.number().min(0).default(1000),
    /** Requests sent and not yet answered, at most. */
    window: int.min(1, "window must be at least 1").default(50),
    enquireLinkSeconds: z.number().positive().default(30),
    /** A request without a response after this long fails (submit → temporary; enquire_link → reconnect). */
    responseTimeoutMs: positive.default(10_000),
    reconnect: z
      .object({ minMs: positive.default(500), maxMs: positive.default(30_000) })
      .strict()
      .prefault({})
      .refine((r) => r.minMs <= r.maxMs, "reconnect needs minMs <= maxMs"),
    /** After ESME_RTHROTTLED: pause this long and halve the rate, then recover gradually. */
    throttlePauseMs: int.min(0).default(1000),
    sourceTon: perSenderKind({ alphanumeric: 5, international: 1, shortCode: 3 }),
    sourceNpi: perSenderKind({ alphanumeric: 0, international: 1, shortCode: 0 }),
    destTon: int.min(0).default(1),
    destNpi: int.min(0).default(1),
    /** Canonical form of SMSC message ids (the form SubmitResult.smscIds and receipts carry). */
    receiptIdFormat: idFormat.default("raw"),
    /** Base of the message_id in submit_sm_resp when it differs from the receipts'; defaults to receiptIdFormat. */
    submitIdFormat: idFormat.optional(),
    gsm7Packing: z.enum(["unpacked", "packed"]).default("unpacked"),
    /** What data_coding 0 means to this SMSC: GSM 03.38 or Latin-1. */
    defaultAlphabet: z.enum(["gsm7", "latin1"]).default("gsm7"),
    concatenation: z.enum(["udh", "sar"]).default("udh"),
    serviceType: z.string().default(""),
    /**
     * No longer used: receipts that overtake their submit wait in the store, not in the connector. Still
     * accepted so config files that set it keep starting.
     */
    receiptHoldMs: int.min(0).optional(),
    /** Parts of an inbound concatenated message are awaited this long; then what arrived is delivered. */
    inboundReassemblyMs: positive.default(60_000),
  })
  .strict();

export type SmppTlsOptions = Pick<ConnectionOptions, "ca" | "cert" | "key" | "rejectUnauthorized" | "servername" | "minVersion">;
export type PerSenderKind = { alphanumeric: number; international: number; shortCode: number };
/** The settings with every default filled. */
export type SmppConnectorConfig = z.output<typeof smppSettingsSchema>;
/** What a caller must give (id, host, systemId, password); everything else has a default. */
export type SmppConnectorInput = z.input<typeof smppSettingsSchema>;

/** The defaults, read off the schema (so they are written once). */
export const SMPP_CONNECTOR_DEFAULTS: Readonly<Omit<SmppConnectorConfig, "id" | "host" | "systemId" | "password">> =
  Object.freeze(
    (({ id: _id, host: _host, systemId: _s, password: _p, ...rest }) => rest)(
      smppSettingsSchema.parse({ id: "-", host: "-", systemId: "", password: "" }),
    ),
  );

/** Fills defaults and rejects values that would make the session misbehave, naming the key. */
export function resolveSmppConfig(input: SmppConnectorInput): SmppConnectorConfig {
  const parsed = smppSettingsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "settings"}: ${i.message}`);
  throw new Error(`SMPP connector ${input?.id || "?"}: ${problems.join("; ")}`);
}
