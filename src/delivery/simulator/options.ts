/** Simulator settings and named scenarios: what tests, benchmarks and the demo choose between. */
import type { Logger } from "pino";

export const SCENARIOS = [
  "deliver",
  "reject",
  "throttle",
  "drop",
  "blackhole",
  "slow_receipts",
  "expire",
  "lose_receipts",
  "lose_responses",
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export function isScenarioName(value: string): value is ScenarioName {
  return (SCENARIOS as readonly string[]).includes(value);
}

export interface ScenarioOptions {
  /** reject: destinations starting with these digits ("+" ignored) are rejected. */
  rejectPrefix?: string;
  /** reject: this fraction (0–1) of submits is rejected, chosen by a seeded generator (repeatable). */
  rejectFraction?: number;
  /** reject: refuse in submit_sm_resp (ESME_RINVDSTADR) or accept and send a failure receipt. Default submit. */
  rejectAt?: "submit" | "receipt";
  /** reject at receipt: the receipt state. Default UNDELIV. */
  rejectState?: "REJECTD" | "UNDELIV";
  /** throttle: every Nth submit gets ESME_RTHROTTLED. */
  throttleEvery?: number;
  /** throttle: submits beyond this many in one second get ESME_RTHROTTLED. */
  throttleAbovePerSecond?: number;
  /** drop: the connection is cut (no response, no unbind) at its Nth submit. Default 10. */
  dropAfter?: number;
  /**
   * lose_responses: how many submits (from the scenario's start) are accepted, delivered and receipted but
   * never answered; later ones are answered. Default: every one.
   */
  loseResponses?: number;
  /** lose_responses: keep silent (the ESME times out) or cut the connection instead of answering. Default silence. */
  loseResponseBy?: "silence" | "cut";
  /** slow_receipts: receipt delay. Default 30 000 ms. */
  slowReceiptDelayMs?: number;
}

export interface SimulatorTlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
}

export interface SimulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 2775; 0 picks a free port (tests). */
  port?: number;
  /** When set, binds must use these credentials (wrong system_id → ESME_RBINDFAIL, password → ESME_RINVPASWD). */
  systemId?: string;
  password?: string;
  /** The first message id handed out. Default: the start time in µs, so runs never repeat ids (tests set it to make them repeat). */
  firstId?: number;
  /** Form of message_id in submit_sm_resp. Default hex. */
  idFormat?: "hex" | "decimal";
  /** Form of the id in receipts (text and receipted_message_id). Default: idFormat. */
  receiptIdFormat?: "hex" | "decimal";
  /** Zero-pad receipt ids to this many characters, as some SMSCs do. Default 0 (no padding). */
  receiptIdPad?: number;
  /** Also send receipted_message_id / message_state / network_error_code TLVs. Default true. */
  receiptTlvs?: boolean;
  /** Delay before a receipt is sent. Default 100 ms. */
  receiptDelayMs?: number;
  /** Wait before a receipt refused or unanswered on a live bind is sent again. Default 1000 ms. */
  receiptRetryMs?: number;
  /** Delay before each submit_sm_resp (to exercise windows). Default 0. */
  responseDelayMs?: number;
  scenario?: ScenarioName;
  scenarioOptions?: ScenarioOptions;
  /** How this SMSC reads data_coding 0. */
  gsm7Packing?: "unpacked" | "packed";
  defaultAlphabet?: "gsm7" | "latin1";
  /** Submit records kept in stats (counters are always exact). Default 100 000. */
  maxRecords?: number;
  /** Seed for rejectFraction. */
  seed?: number;
  /**
   * A file where the simulator keeps what it accepted and the receipts it owes, so a restart (or crash)
   * loses neither: owed receipts are sent again and query_sm still answers. Default none (memory only).
   */
  journal?: string;
  /** Serve SMPP over TLS with this key and certificate. */
  tls?: SimulatorTlsOptions;
  logger?: Logger;
}

export const SIMULATOR_DEFAULTS = {
  host: "127.0.0.1",
  port: 2775,
  idFormat: "hex",
  receiptDelayMs: 100,
  receiptRetryMs: 1000,
  responseDelayMs: 0,
  scenario: "deliver",
  gsm7Packing: "unpacked",
  defaultAlphabet: "gsm7",
  maxRecords: 100_000,
  dropAfter: 10,
  slowReceiptDelayMs: 30_000,
} as const;
