/**
 * One validated configuration: defaults ← JSON file (STARLING_CONFIG) ← STARLING_* environment variables.
 * Nothing else in Starling reads process.env; a bad value stops start-up with a message naming the key.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { SERVICE_CODES } from "./core/message.js";
import { connectorSettingsSchema } from "./delivery/connector-types.js";
import { invalidProxyEntry, proxyList } from "./api/trusted-proxies.js";
import { SMPP_SERVER_ENV, smppServerSchema } from "./smpp-server/config.js";
import { HEAP_GROWING_PERCENT } from "./runtime/heap-growth.js";

/**
 * Values are coerced by the type of their key: environment variables are strings, and "NO" is Norway for
 * a country but false for a flag. A flag takes a boolean or one of zod's boolean words (true/false, 1/0,
 * yes/no, on/off, y/n, enabled/disabled); z.coerce.boolean would read any non-empty string as true.
 */
const flag = z.union([z.boolean(), z.stringbool()]);
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

const routeSchema = z.object({
  /** E.164 prefixes without "+" ("49", "4917"); empty = any. */
  prefixes: z.array(z.string().regex(/^\d+$/)).default([]),
  /** ISO 3166 alpha-2 countries; empty = any. */
  countries: z.array(z.string().regex(/^[A-Z]{2}$/)).default([]),
  accountIds: z.array(z.number().int()).default([]),
  /** Connectors in failover order. */
  connectors: z.array(z.string().min(1)).min(1),
  /** Services the route carries: "direct" (SMS, the default) and/or the voice services. */
  services: z.array(z.enum(SERVICE_CODES)).optional(),
});

const velocityRule = (limit: number, windowSeconds: number) =>
  z
    .object({ limit: positiveInt.default(limit), windowSeconds: positiveInt.default(windowSeconds) })
    .prefault({});

const fraudSchema = z
  .object({
    enabled: flag.default(true),
    geo: z
      .object({
        /** Countries every account may send to besides its own (an account's own list replaces both). */
        defaultCountries: z.array(z.string().regex(/^([A-Z]{2}|\*)$/)).default([]),
      })
      .prefault({}),
    velocity: z
      .object({
        /** Digits of the E.164 number (country code first) that make a destination prefix. */
        prefixDigits: z.coerce.number().int().min(2).max(10).default(5),
        account: velocityRule(3000, 60),
        prefix: velocityRule(150, 60),
      })
      .prefault({}),
    otpGuard: z
      .object({
        windowSeconds: positiveInt.default(3600),
        minVolume: positiveInt.default(50),
        minConversion: z.coerce.number().min(0).max(1).default(0.2),
        /** refuse: 429 to the client; hold: the OTP is created but its SMS is neither sent nor charged. */
        action: z.enum(["refuse", "hold"]).default("refuse"),
      })
      .prefault({}),
    /** How long a gateway keeps an account's fraud settings before reading them again (CLI changes). */
    settingsCacheSeconds: z.coerce.number().int().nonnegative().default(5),
  })
  .prefault({});

export const configSchema = z.object({
  server: z
    .object({
      host: z.string().default("127.0.0.1"),
      port: port.default(8080),
      bodyLimitBytes: positiveInt.max(10 * 1024 * 1024).default(64 * 1024),
      /**
       * Reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For is believed; the client is the
       * right-most address none of them added (see api/trusted-proxies.ts). Empty: the socket's address.
       */
      trustedProxies: z
        .preprocess(
          proxyList,
          z.array(
            z.string().superRefine((entry, c) => {
              const why = invalidProxyEntry(entry);
              if (why) c.addIssue({ code: "custom", message: why });
            }),
          ),
        )
        .default([]),
      /** Replaced by trustedProxies: `true` believed whatever a client wrote into X-Forwarded-For. */
      trustProxy: z
        .unknown()
        .refine(
          (v) => v === undefined || v === false,
          "replaced by server.trustedProxies (list the proxies' addresses or ranges)",
        )
        .optional(),
      /** Public base URL used in short links; defaults to http://host:port. */
      publicUrl: z.string().url().optional(),
    })
    .prefault({}),
  admin: z
    .object({
      /** The operator listener: console and /metrics, apart from the public API. */
      enabled: flag.default(true),
      host: z.string().default("127.0.0.1"),
      /** Unset: the API port + 1 (0, an ephemeral port, when the API port is 0). */
      port: port.optional(),
      /** Also answer /metrics on the public API port. Off: metrics name connectors and volumes. */
      metricsOnApi: flag.default(false),
      sessionHours: positiveInt.default(12),
      /** Failed logins in a row that lock an operator out, and for how long. */
      lockoutAttempts: positiveInt.default(5),
      lockoutMinutes: positiveInt.default(15),
      /** On a start with no operator at all, create "admin" and print its one-time password once. */
      firstOperator: flag.default(true),
    })
    .prefault({}),
  database: z.object({ url: z.string().min(1).default("sqlite:./data/starling.db") }).prefault({}),
  log: z
    .object({
      level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
      /** auto: readable lines on a terminal (pino-pretty), JSON lines otherwise (files, journald, collectors). */
      format: z.enum(["auto", "pretty", "json"]).default("auto"),
    })
    .prefault({}),
  demo: z
    .object({
      /** On first start with an empty store, create a demo account and print its token once. */
      enabled: flag.default(true),
      country: z
        .string()
        .regex(/^[A-Z]{2}$/)
        .default("DE"),
      currency: z
        .string()
        .regex(/^[A-Z]{3}$/)
        .default("EUR"),
      balance: z.coerce.number().nonnegative().default(50),
    })
    .prefault({}),
  pricing: z
    .object({
      /** Price per part for a country without its own price row (operator can override per country). */
      defaultPricePerPart: z.coerce.number().nonnegative().default(0.07),
      /** Price per voice call for a country without its own voice price. */
      defaultVoicePricePerCall: z.coerce.number().nonnegative().default(0.15),
    })
    .prefault({}),
  security: z
    .object({
      badCredentialLimit: positiveInt.default(3),
      badCredentialWindowSeconds: positiveInt.default(60),
      ipBlockSeconds: positiveInt.default(600),
    })
    .prefault({}),
  delivery: z
    .object({
      /** Run the dispatcher in this process. */
      enabled: flag.default(true),
      simulator: z
        .object({
          enabled: flag.default(true),
          host: z.string().default("127.0.0.1"),
          port: port.default(2775),
          scenario: z.string().default("deliver"),
          receiptDelayMs: z.coerce.number().int().nonnegative().default(200),
          /**
           * Where the simulator keeps the messages it accepted and the receipts it owes, across restarts.
           * Default: beside the SQLite database file; none (memory only) with PostgreSQL unless set.
           */
          journal: z.string().optional(),
          /** Submit and message records the embedded simulator keeps in memory (its counters are exact). */
          maxRecords: z.coerce.number().int().nonnegative().default(1000),
          /** Settings of the connector Starling binds to its own simulator. */
          connector: z
            .object({
              responseTimeoutMs: positiveInt.optional(),
              window: positiveInt.optional(),
              throughputPerSecond: z.coerce.number().int().nonnegative().optional(),
            })
            .prefault({}),
        })
        .prefault({}),
      voice: z
        .object({
          /** Pause between calls after a busy or unanswered one. */
          retryPauseSeconds: positiveInt.default(60),
          /**
           * The built-in SIP endpoint simulator and a voice connector to it, used when no voice connector is
           * configured. "auto": on when espeak-ng is installed (voice then works out of the box), off (with a
           * warning) when it is not, so SMS never depends on it; true: on, and a start-up error without espeak-ng.
           */
          simulator: z
            .object({
              enabled: z.union([z.literal("auto"), flag]).default("auto"),
              host: z.string().default("127.0.0.1"),
              port: port.default(5070),
              scenario: z.string().default("answer"),
              /** The connector to it cancels a call that rang this long (a real trunk's is set per connector). */
              ringTimeoutSeconds: positiveInt.default(30),
            })
            .prefault({}),
        })
        .prefault({}),
      /** Each connector's settings are its type's (delivery/connector-types.ts); `type` defaults to "smpp". */
      connectors: z.array(connectorSettingsSchema).default([]),
      routes: z.array(routeSchema).default([]),
      /** A message not submitted within this time expires (dlr_code 8). */
      validitySeconds: positiveInt.default(48 * 3600),
      /** Ask the SMSC (query_sm) about a message whose receipt has not come after this long; 0 = never. */
      queryAfterSeconds: z.coerce.number().int().nonnegative().default(600),
      batchSize: positiveInt.default(200),
      /** Claimed and unfinished messages at most; small enough that an OTP never queues behind a campaign. */
      maxInFlight: positiveInt.default(400),
      /** Of those, bulk (campaign) messages at most: about one connector window. */
      bulkMaxInFlight: positiveInt.default(32),
      pollIntervalMs: positiveInt.default(50),
      leaseSeconds: positiveInt.default(60),
      retry: z
        .object({
          baseMs: positiveInt.default(1000),
          maxMs: positiveInt.default(300_000),
          /** 0 = retry until the validity period ends (the default); otherwise give up after this many. */
          maxAttempts: z.coerce.number().int().nonnegative().default(0),
        })
        .prefault({}),
    })
    .prefault({}),
  webhooks: z
    .object({
      enabled: flag.default(true),
      maxAttempts: positiveInt.default(4),
      timeoutMs: positiveInt.default(5000),
      baseDelayMs: positiveInt.default(10_000),
      /** POST from a worker thread, so sending (and TLS) never takes the event loop from the API and SMPP. */
      senderThread: z.boolean().default(true),
    })
    .prefault({}),
  otp: z
    .object({
      ttlSeconds: positiveInt.default(600),
      /** Key for the HMAC that stores OTP codes; else the key file's first line (app/otp-hash-keys.ts). */
      hashKey: z.string().min(16).optional(),
      /** Earlier keys, still accepted when a code is checked (rotation). */
      previousHashKeys: z.preprocess(proxyList, z.array(z.string().min(16))).default([]),
      /** The key file; default `otp-hash.key` beside the SQLite file (or in ./data for PostgreSQL). */
      hashKeyFile: z.string().min(1).optional(),
    })
    .prefault({}),
  /** Idempotency-Key on sends (issue 16): how long a key replays its first answer, and races. */
  idempotency: z
    .object({
      windowSeconds: positiveInt.default(24 * 3600),
      /** A retry that arrives while the first request runs waits this long for its answer, then gets 409. */
      inFlightWaitMs: z.coerce.number().int().nonnegative().default(2000),
      /** An in-flight key older than this was left by a crashed process and may be taken over. */
      abandonedAfterSeconds: positiveInt.default(60),
      purgeIntervalSeconds: positiveInt.default(60),
    })
    .prefault({}),
  /** Protection against SMS pumping (issue 16); see README "Fraud protection" for what each rule does. */
  fraud: fraudSchema,
  smppServer: smppServerSchema,
  /** Process-level settings (src/runtime/). */
  runtime: z
    .object({
      /** V8 old-generation growth between full collections, % (runtime/heap-growth.ts); 0: V8's own, up to 300. */
      heapGrowingPercent: z.coerce.number().int().min(0).max(1000).default(HEAP_GROWING_PERCENT),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type RouteSettings = z.infer<typeof routeSchema>;

/** STARLING_* variables and the config key each sets. Explicit, so the README can list them. */
export const ENV_KEYS: Record<string, string> = {
  STARLING_HOST: "server.host",
  STARLING_PORT: "server.port",
  STARLING_BODY_LIMIT_BYTES: "server.bodyLimitBytes",
  STARLING_TRUSTED_PROXIES: "server.trustedProxies",
  STARLING_PUBLIC_URL: "server.publicUrl",
  STARLING_DATABASE_URL: "database.url",
  STARLING_ADMIN: "admin.enabled",
  STARLING_ADMIN_HOST: "admin.host",
  STARLING_ADMIN_PORT: "admin.port",
  STARLING_METRICS_ON_API: "admin.metricsOnApi",
  STARLING_LOG_LEVEL: "log.level",
  STARLING_LOG_FORMAT: "log.format",
  STARLING_DEMO: "demo.enabled",
  STARLING_DEMO_COUNTRY: "demo.country",
  STARLING_DEFAULT_PRICE: "pricing.defaultPricePerPart",
  STARLING_DELIVERY: "delivery.enabled",
  STARLING_SIMULATOR: "delivery.simulator.enabled",
  STARLING_SIMULATOR_PORT: "delivery.simulator.port",
  STARLING_SIMULATOR_SCENARIO: "delivery.simulator.scenario",
  STARLING_SIMULATOR_RECEIPT_DELAY_MS: "delivery.simulator.receiptDelayMs",
  STARLING_SIP_SIMULATOR: "delivery.voice.simulator.enabled",
  STARLING_SIP_SIMULATOR_PORT: "delivery.voice.simulator.port",
  STARLING_SIP_SIMULATOR_SCENARIO: "delivery.voice.simulator.scenario",
  STARLING_VOICE_RETRY_PAUSE_SECONDS: "delivery.voice.retryPauseSeconds",
  STARLING_WEBHOOKS: "webhooks.enabled",
  STARLING_WEBHOOK_TIMEOUT_MS: "webhooks.timeoutMs",
  STARLING_OTP_TTL_SECONDS: "otp.ttlSeconds",
  STARLING_OTP_HASH_KEY: "otp.hashKey",
  STARLING_IDEMPOTENCY_WINDOW_SECONDS: "idempotency.windowSeconds",
  STARLING_FRAUD: "fraud.enabled",
  STARLING_HEAP_GROWING_PERCENT: "runtime.heapGrowingPercent",
  ...SMPP_SERVER_ENV,
};

export class ConfigError extends Error {}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== "object" || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Record<string, unknown> = {},
): Readonly<Config> {
  let raw: Record<string, unknown> = {};
  const file = env.STARLING_CONFIG;
  if (file) {
    try {
      raw = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    } catch (error) {
      throw new ConfigError(`config file ${file}: ${(error as Error).message}`);
    }
  }
  for (const [name, path] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value !== undefined && value !== "") setPath(raw, path, value);
  }
  for (const [path, value] of Object.entries(overrides)) setPath(raw, path, value);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`invalid config value for ${issue.path.join(".")}: ${issue.message}`);
  }
  return deepFreeze(parsed.data);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
