/**
 * `starling sip-simulator --port 5070 [--scenario answer] ...`: the SIP endpoint simulator in the
 * foreground, for trying Starling's voice connector (or any SIP client) by hand. Each call is logged with
 * what it heard; with --record-dir the audio of each answered call is written there as an 8 kHz WAV file.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { isSipScenario, SIP_SCENARIOS, type SipSimulatorOptions, startSipSimulator } from "./endpoint.js";
import { type CallRecord, receivedAudio, receivedMs } from "./recording.js";

export const SIP_SIMULATOR_USAGE = `Usage: starling sip-simulator [options]
  --host <ip>                 listen address (default 127.0.0.1)
  --port <n>                  SIP port, UDP and TCP (default 5070; 0 = any free port)
  --scenario <name>           ${SIP_SCENARIOS.join(" | ")} (default answer)
  --ring-ms <n>               ringing before an answer (default 100)
  --hang-up-after-ms <n>      hang-up-early: hang up this long after answering (default 1000)
  --username <u> --password <p>  demand digest authentication with these credentials
  --record-dir <dir>          write each answered call's audio there as <call-id>.wav`;

export function parseSipSimulatorArgs(args: string[]): SipSimulatorOptions & { recordDir?: string } {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      host: { type: "string" },
      port: { type: "string" },
      scenario: { type: "string" },
      "ring-ms": { type: "string" },
      "hang-up-after-ms": { type: "string" },
      username: { type: "string" },
      password: { type: "string" },
      "record-dir": { type: "string" },
    },
  });
  const int = (name: "port" | "ring-ms" | "hang-up-after-ms", max = 3_600_000): number | undefined => {
    const raw = values[name];
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > max)
      throw new RangeError(`--${name} must be an integer from 0 to ${max}\n${SIP_SIMULATOR_USAGE}`);
    return n;
  };
  if (values.scenario !== undefined && !isSipScenario(values.scenario)) {
    throw new RangeError(`--scenario must be one of ${SIP_SCENARIOS.join(", ")}\n${SIP_SIMULATOR_USAGE}`);
  }
  if ((values.username === undefined) !== (values.password === undefined)) {
    throw new RangeError(`--username and --password go together\n${SIP_SIMULATOR_USAGE}`);
  }
  const port = int("port", 65535);
  const ringMs = int("ring-ms");
  const hangUpAfterMs = int("hang-up-after-ms");
  return {
    host: values.host ?? "127.0.0.1",
    port: port ?? 5070,
    ...(values.scenario !== undefined && isSipScenario(values.scenario) ? { scenario: values.scenario } : {}),
    ...(ringMs !== undefined ? { ringMs } : {}),
    ...(hangUpAfterMs !== undefined ? { hangUpAfterMs } : {}),
    ...(values.username !== undefined
      ? { auth: { username: values.username, password: values.password ?? "" } }
      : {}),
    ...(values["record-dir"] !== undefined ? { recordDir: values["record-dir"] } : {}),
  };
}

/** 8 kHz 16-bit mono WAV (RIFF header + samples). */
export function wavFile(samples: Int16Array): Buffer {
  const data = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) data.writeInt16LE(samples[i]!, i * 2);
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVEfmt ", 8, "ascii");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(16000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36, "ascii");
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

export async function runSipSimulatorCli(args: string[]): Promise<void> {
  let options: ReturnType<typeof parseSipSimulatorArgs>;
  try {
    options = parseSipSimulatorArgs(args);
  } catch (error) {
    process.stderr.write(`starling: ${(error as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const { recordDir, ...simOptions } = options;
  const sim = await startSipSimulator(simOptions);
  process.stdout.write(
    `SIP endpoint simulator on ${sim.host}:${sim.port} (UDP and TCP), scenario ${sim.scenario}\n`,
  );
  sim.on("call", (call: CallRecord) => {
    const line = [
      `call ${call.callId}`,
      `to ${call.callee}`,
      `from ${call.caller}`,
      `status ${call.status}`,
      call.codec ?? "",
      `${receivedMs(call)} ms of audio`,
      call.endedBy ? `ended by ${call.endedBy}` : "",
    ];
    process.stdout.write(`${line.filter(Boolean).join(", ")}\n`);
    if (recordDir && call.codec) {
      const file = join(recordDir, `${call.callId.replace(/[^\w.-]/g, "_")}.wav`);
      writeFileSync(file, wavFile(receivedAudio(call)));
    }
  });
  const stop = () => void sim.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
