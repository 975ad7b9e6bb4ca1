/**
 * Kannel (Debian's `kannel`: bearerbox + smsbox) as an independent ESME: configured as for any SMPP
 * provider, bound to Starling's SMPP server, sending through its sendsms HTTP interface and reporting
 * receipts to a DLR URL. Tests skip themselves when the binaries are missing (.ci/run installs them).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const BEARERBOX = "/usr/sbin/bearerbox";
const SMSBOX = "/usr/sbin/smsbox";

export const skipWithoutKannel: string | false =
  existsSync(BEARERBOX) && existsSync(SMSBOX) ? false : "Kannel is not installed (apt-get install kannel)";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface KannelOptions {
  smppPort: number;
  systemId: string;
  password: string;
  /** One transceiver bind, or a transmitter bind plus a receiver bind. */
  mode: "transceiver" | "transmitter_receiver";
}

export interface Kannel {
  sendsms(params: Record<string, string>): Promise<{ status: number; body: string }>;
  /** True once bearerbox reports the SMSC connection online. */
  online(): Promise<boolean>;
  stop(): Promise<void>;
  logs(): string;
}

export async function startKannel(options: KannelOptions): Promise<Kannel> {
  const dir = mkdtempSync(join(tmpdir(), "starling-kannel-"));
  const [adminPort, smsboxPort, sendsmsPort] = [await freePort(), await freePort(), await freePort()];
  const smscGroup = (lines: string[]) => [
    "group = smsc",
    "smsc = smpp",
    'smsc-id = "starling"',
    'host = "127.0.0.1"',
    ...lines,
    `smsc-username = "${options.systemId}"`,
    `smsc-password = "${options.password}"`,
    'system-type = ""',
    "source-addr-ton = 5",
    "source-addr-npi = 0",
    "dest-addr-ton = 1",
    "dest-addr-npi = 1",
    "enquire-link-interval = 30",
    "reconnect-delay = 1",
    "max-pending-submits = 10",
    "",
  ];
  // Kannel 1.4.5 wants a transmitter and a receiver as two groups sharing one smsc-id (receipts found by it).
  const smsc =
    options.mode === "transceiver"
      ? smscGroup(["transceiver-mode = true", `port = ${options.smppPort}`])
      : [
          ...smscGroup(["transceiver-mode = false", `port = ${options.smppPort}`]),
          ...smscGroup(["transceiver-mode = false", "port = 0", `receive-port = ${options.smppPort}`]),
        ];
  const config = [
    "group = core",
    `admin-port = ${adminPort}`,
    'admin-password = "admin"',
    'admin-allow-ip = "127.0.0.1"',
    `smsbox-port = ${smsboxPort}`,
    'box-allow-ip = "127.0.0.1"',
    `log-file = "${join(dir, "bearerbox.log")}"`,
    "log-level = 1",
    'dlr-storage = "internal"',
    "",
    ...smsc,
    "group = smsbox",
    'bearerbox-host = "127.0.0.1"',
    `sendsms-port = ${sendsmsPort}`,
    `log-file = "${join(dir, "smsbox.log")}"`,
    "log-level = 1",
    "",
    "group = sendsms-user",
    'username = "tester"',
    'password = "secret"',
    "max-messages = 10",
    "concatenation = true",
    "",
  ].join("\n");
  const file = join(dir, "kannel.conf");
  writeFileSync(file, config);

  const output: string[] = [];
  const run = (binary: string): ChildProcess => {
    const child = spawn(binary, ["-v", "1", file], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout?.on("data", (d) => output.push(String(d)));
    child.stderr?.on("data", (d) => output.push(String(d)));
    return child;
  };
  const bearerbox = run(BEARERBOX);
  await waitUntil(
    async () => (await get(`http://127.0.0.1:${adminPort}/status.txt?password=admin`)).status === 200,
    15_000,
  ).catch((error: Error) => {
    bearerbox.kill("SIGKILL");
    throw new Error(`${error.message}\n${output.join("")}`);
  });
  const smsbox = run(SMSBOX);

  const stop = async (child: ChildProcess) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };

  return {
    async sendsms(params) {
      const query = new URLSearchParams({ username: "tester", password: "secret", ...params });
      return get(`http://127.0.0.1:${sendsmsPort}/cgi-bin/sendsms?${query}`);
    },
    async online() {
      const status = await get(`http://127.0.0.1:${adminPort}/status.txt?password=admin`);
      // smsbox connected and every SMSC bind of ours online
      const lines = status.body.split("\n").filter((l) => l.includes("starling"));
      return lines.length > 0 && lines.every((l) => l.includes("online")) && /smsbox:/.test(status.body);
    },
    async stop() {
      await stop(smsbox);
      await stop(bearerbox);
    },
    logs: () => output.join(""),
  };
}

async function get(url: string): Promise<{ status: number; body: string }> {
  try {
    const response = await fetch(url);
    return { status: response.status, body: await response.text() };
  } catch {
    return { status: 0, body: "" };
  }
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("Kannel did not come up in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}
