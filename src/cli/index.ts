/** `starling` — the operator's CLI. Every command takes --json for scripts. */
import { Command } from "commander";
import { ConfigError } from "../config.js";
import { isAppError } from "../errors.js";
import { registerAccountCommands } from "./accounts.js";
import { registerAdminCommands } from "./admins.js";
import { type CliContext, withContext } from "./context.js";
import { registerFraudCommands } from "./fraud.js";
import { registerFullsmsCommands } from "./fullsms.js";
import { registerOtpCommands } from "./otp.js";
import { registerPriceCommands } from "./prices.js";
import { registerWebhookCommands } from "./webhooks.js";
import { runSimulatorCli, SIMULATOR_USAGE } from "../delivery/simulator/index.js";
import { runSipSimulatorCli, SIP_SIMULATOR_USAGE } from "../delivery/voice/simulator/cli.js";

const program = new Command("starling").description("Starling SMS gateway: operator commands");

async function run(fn: (ctx: CliContext) => Promise<void>): Promise<void> {
  try {
    await withContext(fn);
  } catch (error) {
    if (isAppError(error) || error instanceof ConfigError || error instanceof RangeError) {
      process.stderr.write(`starling: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}

registerAccountCommands(program, run);
registerPriceCommands(program, run);
registerFullsmsCommands(program, run);
registerOtpCommands(program, run);
registerWebhookCommands(program, run);
registerFraudCommands(program, run);
registerAdminCommands(program, run);

// The simulator needs no store: it is an SMSC for Starling or any other SMPP client.
program
  .command("simulator")
  .description("run the built-in SMSC simulator (an SMPP server)")
  .allowUnknownOption(true)
  .helpOption(false)
  .argument("[options...]")
  .addHelpText("after", `\n${SIMULATOR_USAGE}`)
  .action(async (args: string[]) => {
    await runSimulatorCli(args);
  });

// The SIP endpoint simulator: a phone network in a box for the voice connector (or any SIP client).
program
  .command("sip-simulator")
  .description("run the built-in SIP endpoint simulator (answers calls, records their audio)")
  .allowUnknownOption(true)
  .helpOption(false)
  .argument("[options...]")
  .addHelpText("after", `\n${SIP_SIMULATOR_USAGE}`)
  .action(async (args: string[]) => {
    await runSipSimulatorCli(args);
  });

await program.parseAsync(process.argv);
