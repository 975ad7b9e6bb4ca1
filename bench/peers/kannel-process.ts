/**
 * Kannel (Debian's bearerbox + smsbox) as a benchmark peer: kannel.conf.in filled in with free loopback
 * ports and a temp dir, both boxes started, ready once its SMPP bind to the simulator is online. When the
 * binaries are missing, ensureKannel installs Debian's package (as root) or says how.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { killOnExit } from "../../harness/gateway-process.js";
import { freePort, sleep, tempDir } from "../lib.js";

const BEARERBOX = "/usr/sbin/bearerbox";
const SMSBOX = "/usr/sbin/smsbox";

/** Why Kannel cannot run here (with the command that fixes it), or undefined when it can. */
export function kannelMissing(binaries: readonly string[] = [BEARERBOX, SMSBOX]): string | undefined {
  if (binaries.every((b) => existsSync(b))) return undefined;
  return `Kannel is not installed (${binaries.join(", ")}). Install it with:\n  sudo apt-get install -y kannel`;
}

export interface EnsureKannelDeps {
  binaries?: readonly string[];
  isRoot?: boolean;
  /** Runs a command with inherited output; resolves its exit status. */
  run?: (command: string, args: string[]) => number | null;
}

const runCommand = (command: string, args: string[]) =>
  spawnSync(command, args, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } })
    .status;

/**
 * Installs Debian's kannel when bearerbox or smsbox is missing and this process is root (`apt-get install
 * -y kannel`, after `apt-get update` if the package list does not know it yet). Returns why Kannel still
 * cannot run (not root, or the install failed), or undefined when it can.
 */
export function ensureKannel(deps: EnsureKannelDeps = {}): string | undefined {
  const binaries = deps.binaries ?? [BEARERBOX, SMSBOX];
  const missing = kannelMissing(binaries);
  if (!missing) return undefined;
  if (!(deps.isRoot ?? process.getuid?.() === 0)) return missing;
  const run = deps.run ?? runCommand;
  process.stderr.write("Kannel is missing: apt-get install -y kannel\n");
  if (run("apt-get", ["install", "-y", "kannel"]) !== 0) {
    run("apt-get", ["update"]);
    run("apt-get", ["install", "-y", "kannel"]);
  }
  const still = kannelMissing(binaries);
  return still && `apt-get install -y kannel did not install it. ${still}`;
}

export interface KannelOptions {
  smscPort: number;
  systemId: string;
  window: number;
  /**
   * Wait for the SMPP bind before resolving (default). False: resolve once smsbox is connected, for an
   * SMSC that is not there (the acceptance-only bench, where bearerbox keeps what it accepts in its store).
   */
  waitForBind?: boolean;
}

export interface KannelPeer {
  /** smsbox's sendsms interface (POST: the body is the text, X-Kannel-* headers the parameters). */
  sendsmsUrl: string;
  pids: { bearerbox: number; smsbox: number };
  /** The filled-in configuration, for the report. */
  config: string;
  /** bearerbox's status.txt ("" when it does not answer). */
  status(): Promise<string>;
  stop(): Promise<void>;
}

export function kannelConfig(values: Record<string, string | number>): string {
  const template = readFileSync(new URL("kannel.conf.in", import.meta.url), "utf8");
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`kannel.conf.in: no value for {{${name}}}`);
    return String(values[name]);
  });
}

export async function startKannel(options: KannelOptions): Promise<KannelPeer> {
  const dir = tempDir("kannel");
  const [adminPort, smsboxPort, sendsmsPort] = [await freePort(), await freePort(), await freePort()];
  const config = kannelConfig({
    systemId: options.systemId,
    window: options.window,
    dir,
    adminPort,
    smsboxPort,
    sendsmsPort,
    smscPort: options.smscPort,
  });
  const file = join(dir, "kannel.conf");
  writeFileSync(file, config);

  const output: string[] = [];
  const run = (binary: string): ChildProcess => {
    const child = spawn(binary, [file], { stdio: ["ignore", "pipe", "pipe"] });
    killOnExit(child);
    child.stdout?.on("data", (d) => output.push(String(d)));
    child.stderr?.on("data", (d) => output.push(String(d)));
    return child;
  };
  const status = async () => {
    try {
      const res = await fetch(`http://127.0.0.1:${adminPort}/status.txt?password=admin`);
      return res.ok ? await res.text() : "";
    } catch {
      return "";
    }
  };
  const bearerbox = run(BEARERBOX);
  const smsbox = await waitFor(async () => (await status()) !== "", "bearerbox's admin port").then(() =>
    run(SMSBOX),
  );
  const stop = async (child: ChildProcess) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };
  const peer: KannelPeer = {
    sendsmsUrl: `http://127.0.0.1:${sendsmsPort}/cgi-bin/sendsms`,
    pids: { bearerbox: bearerbox.pid ?? 0, smsbox: smsbox.pid ?? 0 },
    config,
    status,
    async stop() {
      await stop(smsbox);
      await stop(bearerbox);
    },
  };
  // Online: the SMPP bind is up and smsbox is connected to bearerbox.
  await waitFor(
    async () => {
      const s = await status();
      const bound = options.waitForBind === false || /sim\[\S*\]\s+SMPP:.*\(online/.test(s);
      return bound && /smsbox:/.test(s);
    },
    options.waitForBind === false ? "Kannel's smsbox" : "Kannel's SMPP bind and smsbox",
  ).catch(async (error: Error) => {
    await peer.stop();
    throw new Error(`${error.message}\n${output.join("")}\n${readLog(dir)}`);
  });
  return peer;
}

function readLog(dir: string): string {
  try {
    return readFileSync(join(dir, "bearerbox.log"), "utf8").slice(-3000);
  } catch {
    return "";
  }
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
