/**
 * `starling simulator --port 2775 [--scenario deliver] [--receipt-delay-ms 100] ...`: runs the SMSC
 * simulator in the foreground until SIGINT/SIGTERM. The lead's CLI passes its remaining argv here.
 */
import { parseArgs } from "node:util";
import { type Logger, pino } from "pino";
import { isScenarioName, SCENARIOS, type ScenarioOptions, type SimulatorOptions } from "./options.js";
import { type Simulator, startSimulator } from "./simulator.js";

export const SIMULATOR_USAGE = `Usage: starling simulator [options]
  --host <ip>                    listen address (default 127.0.0.1)
  --port <n>                     listen port (default 2775; 0 = any free port)
  --scenario <name>              ${SCENARIOS.join(" | ")} (default deliver)
  --receipt-delay-ms <n>         delay before each receipt (default 100)
  --response-delay-ms <n>        delay before each submit_sm_resp (default 0)
  --id-format <hex|decimal>      message_id form in submit_sm_resp (default hex)
  --receipt-id-format <hex|decimal>  id form in receipts (default: --id-format)
  --system-id <id> --password <pw>   require these bind credentials (default: accept any)
  --reject-prefix <digits>       reject: destinations with this prefix
  --reject-fraction <0..1>       reject: this share of submits
  --reject-at <submit|receipt>   reject: in submit_sm_resp or by receipt (default submit)
  --throttle-every <n>           throttle: every Nth submit
  --throttle-above <n>           throttle: above n submits per second
  --drop-after <n>               drop: cut the connection at the Nth submit (default 10)
  --slow-receipt-delay-ms <n>    slow_receipts: receipt delay (default 30000)
  --lose-responses <n>           lose_responses: the first n submits are taken but never answered (default all)
  --journal <file>               keep accepted messages and owed receipts in this file across restarts`;

export interface SimulatorCliIo {
  logger?: Logger;
  /** Close on SIGINT/SIGTERM (default true). */
  signals?: boolean;
}

/** Parses argv (without the "simulator" word) into simulator options; throws with the usage on bad input. */
export function parseSimulatorArgs(args: string[]): SimulatorOptions {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      host: { type: "string" },
      port: { type: "string" },
      scenario: { type: "string" },
      "receipt-delay-ms": { type: "string" },
      "response-delay-ms": { type: "string" },
      "id-format": { type: "string" },
      "receipt-id-format": { type: "string" },
      "system-id": { type: "string" },
      password: { type: "string" },
      "reject-prefix": { type: "string" },
      "reject-fraction": { type: "string" },
      "reject-at": { type: "string" },
      "throttle-every": { type: "string" },
      "throttle-above": { type: "string" },
      "drop-after": { type: "string" },
      "slow-receipt-delay-ms": { type: "string" },
      "lose-responses": { type: "string" },
      journal: { type: "string" },
    },
  });
  const int = (name: keyof typeof values, max = Number.MAX_SAFE_INTEGER): number | undefined => {
    const raw = values[name];
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > max)
      throw new Error(`--${name} must be an integer from 0 to ${max}`);
    return n;
  };
  const oneOf = <T extends string>(name: keyof typeof values, allowed: readonly T[]): T | undefined => {
    const raw = values[name];
    if (raw === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(raw))
      throw new Error(`--${name} must be one of ${allowed.join(", ")}`);
    return raw as T;
  };
  const scenario = values.scenario ?? "deliver";
  if (!isScenarioName(scenario)) throw new Error(`--scenario must be one of ${SCENARIOS.join(", ")}`);
  const fraction = values["reject-fraction"] === undefined ? undefined : Number(values["reject-fraction"]);
  if (fraction !== undefined && !(fraction >= 0 && fraction <= 1))
    throw new Error("--reject-fraction must be 0..1");

  const scenarioOptions: ScenarioOptions = stripUndefined({
    rejectPrefix: values["reject-prefix"],
    rejectFraction: fraction,
    rejectAt: oneOf("reject-at", ["submit", "receipt"] as const),
    throttleEvery: int("throttle-every"),
    throttleAbovePerSecond: int("throttle-above"),
    dropAfter: int("drop-after"),
    loseResponses: int("lose-responses"),
    slowReceiptDelayMs: int("slow-receipt-delay-ms"),
  });
  return stripUndefined({
    host: values.host,
    port: int("port", 65535),
    scenario,
    scenarioOptions,
    receiptDelayMs: int("receipt-delay-ms"),
    responseDelayMs: int("response-delay-ms"),
    idFormat: oneOf("id-format", ["hex", "decimal"] as const),
    receiptIdFormat: oneOf("receipt-id-format", ["hex", "decimal"] as const),
    systemId: values["system-id"],
    password: values.password,
    journal: values.journal,
  });
}

/** Starts the simulator from argv; with --help prints the usage and returns undefined. Bad input throws. */
export async function runSimulatorCli(
  args: string[],
  io: SimulatorCliIo = {},
): Promise<Simulator | undefined> {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(`${SIMULATOR_USAGE}\n`);
    return undefined;
  }
  let options: SimulatorOptions;
  try {
    options = parseSimulatorArgs(args);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${SIMULATOR_USAGE}`);
  }
  const logger = io.logger ?? pino({ level: "info" });
  const simulator = await startSimulator({ ...options, logger });
  if (io.signals ?? true) {
    const shutdown = () => {
      process.off("SIGINT", shutdown);
      process.off("SIGTERM", shutdown);
      void simulator.close().then(() => logger.info("SMSC simulator stopped"));
    };
    process.on("SIGINT", shutdown);
    process.on("SIGTERM", shutdown);
  }
  return simulator;
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
