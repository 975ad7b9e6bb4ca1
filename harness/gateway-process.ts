/**
 * Starling as a child process, exactly as `npm start` runs it (`node --import tsx src/main.ts` with a
 * config file): shared by the reliability tests (which crash and restart it) and the benchmarks (which
 * load and profile it). Every child still running when this process exits, or is interrupted, is killed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("..", import.meta.url));

const children = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    for (const child of children) child.kill("SIGKILL");
    process.exit(130);
  });
}

/** Makes sure `child` is killed if this process exits or is interrupted before it ends. */
export function killOnExit(child: ChildProcess): void {
  children.add(child);
  child.once("exit", () => children.delete(child));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

export interface GatewayProcess {
  readonly label: string;
  readonly url: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** The last lines the child wrote (stdout and stderr), for failure messages. */
  output(): string;
  /** SIGKILL: no shutdown code runs. Resolves when the process is gone. */
  crash(): Promise<void>;
  /** SIGTERM and wait (graceful shutdown; a --cpu-prof profile is written then); SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  label: string;
  configFile: string;
  /** The port the config file gives server.port (the child is polled on /health there). */
  port: number;
  env?: Record<string, string>;
  nodeArgs?: string[];
  /** The checkout to run (default this one): a benchmark may compare another build. */
  cwd?: string;
  /**
   * Gives up on a start-up that takes longer. Default none: start-up is awaited until /health answers or
   * the process exits (the conditions that matter), since a loaded machine may take any time to recover a
   * store after a crash; the test runner's own timeout is the last resort.
   */
  startTimeoutMs?: number;
  /** Default grace of `stop()`. */
  stopGraceMs?: number;
}

/** Starts `node [nodeArgs] --import tsx src/main.ts` and resolves once GET /health answers. */
export async function spawnGateway(options: SpawnOptions): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), "--import", "tsx", "src/main.ts"], {
    cwd: options.cwd ?? REPO,
    // The admin listener on an ephemeral port: its default (server.port + 1) may be another test's port.
    env: { ...process.env, STARLING_ADMIN_PORT: "0", ...options.env, STARLING_CONFIG: options.configFile },
    stdio: ["ignore", "pipe", "pipe"],
  });
  killOnExit(child);
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code));
  });
  const url = `http://127.0.0.1:${options.port}`;
  const output = () => `--- ${options.label} output ---\n${lines.join("\n")}`;
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline =
    options.startTimeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.startTimeoutMs;
  for (;;) {
    if (gone) throw new Error(`gateway ${options.label} exited during start-up\n${output()}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`gateway ${options.label} did not answer /health in time\n${output()}`);
    }
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  const crash = async () => {
    if (!gone) child.kill("SIGKILL");
    await exited;
  };
  const stop = async (graceMs = options.stopGraceMs ?? 10_000) => {
    if (gone) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return { label: options.label, url, child, exited, output, crash, stop };
}

/** Kills every gateway child still running (tests' after hooks call this so a failure leaves nothing behind). */
export async function killAllGateways(): Promise<void> {
  const waits = [...children].map(
    (child) =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGKILL");
      }),
  );
  await Promise.all(waits);
}
