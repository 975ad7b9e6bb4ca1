/** SIPp (Debian package sip-tester) as the answering side: an independent SIP implementation to call. */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { reservePort } from "../../src/delivery/voice/sip/stack.js";

export const sippMissing: string | false =
  spawnSync("sipp", ["-v"], { encoding: "utf8" }).error !== undefined
    ? "sipp is not installed (apt-get install sip-tester)"
    : false;

export const scenarioFile = (name: string) =>
  join(dirname(fileURLToPath(import.meta.url)), "sipp", `${name}.xml`);

export interface SippRun {
  port: number;
  /** Exit code 0: every call went through the scenario as written. */
  exited: Promise<{ code: number | null; output: string }>;
  kill(): void;
}

/** Starts SIPp as a UAS for one call (-m 1) and resolves once it listens. */
export async function startSipp(scenario: string[], transport: "udp" | "tcp" = "udp"): Promise<SippRun> {
  const port = await reservePort("127.0.0.1", 0);
  const mediaPort = await reservePort("127.0.0.1", 0);
  const child: ChildProcess = spawn(
    "sipp",
    [
      ...scenario,
      "-i",
      "127.0.0.1",
      "-p",
      String(port),
      "-mi",
      "127.0.0.1",
      "-mp",
      String(mediaPort),
      "-t",
      transport === "tcp" ? "t1" : "u1",
      "-m",
      "1",
      "-nostdin",
      "-timeout",
      "60s",
      "-timeout_error",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (d) => (output += String(d)));
  child.stderr?.on("data", (d) => (output += String(d)));
  const exited = new Promise<{ code: number | null; output: string }>((resolve) =>
    child.on("exit", (code) => resolve({ code, output: output.slice(-2000) })),
  );
  // Listening once the kernel lists its socket. Probing by binding the port ourselves could take it for a
  // moment just as SIPp binds, and SIPp then exits: the call found nobody ("trunk down").
  for (let i = 0; i < 200 && !kernelLists(port); i++) await new Promise((r) => setTimeout(r, 25));
  return { port, exited, kill: () => child.kill("SIGKILL") };
}

/** Whether a UDP socket is bound to `port` on this host (SIPp binds its UDP port in either transport). */
function kernelLists(port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, "0")} `;
  try {
    return readFileSync("/proc/net/udp", "utf8")
      .split("\n")
      .some((line) => line.trim().split(/\s+/)[1]?.endsWith(hex.trim()));
  } catch {
    return true;
  }
}
