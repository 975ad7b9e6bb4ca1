/** SIPp (Debian package sip-tester) as the answering side: an independent SIP implementation to call. */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
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
  // Listening once its port is taken.
  for (let i = 0; i < 200; i++) {
    const probe = createSocket("udp4");
    const taken = await new Promise<boolean>((resolve) => {
      probe.once("error", () => resolve(true));
      probe.bind(port, "127.0.0.1", () => resolve(false));
    });
    probe.close();
    if (taken) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  return { port, exited, kill: () => child.kill("SIGKILL") };
}
