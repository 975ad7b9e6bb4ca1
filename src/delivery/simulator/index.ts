/** The SMSC simulator: tests, benchmarks and the demo all start it through here. */
export { parseSimulatorArgs, runSimulatorCli, SIMULATOR_USAGE, type SimulatorCliIo } from "./cli.js";
export {
  isScenarioName,
  SCENARIOS,
  type ScenarioName,
  type ScenarioOptions,
  SIMULATOR_DEFAULTS,
  type SimulatorOptions,
  type SimulatorTlsOptions,
} from "./options.js";
export {
  type InboundMessage,
  Simulator,
  type SimulatorEvents,
  startSimulator,
} from "./simulator.js";
export type { MessageRecord, SimulatorStats, SubmitRecord } from "./stats.js";
