/**
 * Helpers for the reliability tests: the real gateway as a child process (`node --import tsx src/main.ts`
 * with STARLING_CONFIG), accounts made through the store API, a bounded worker pool for HTTP load, and
 * bounded waits. Every child is killed when the test process ends, whether the test passed or not.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createAccount, createKey } from "../../src/app/manage-accounts.js";
import { systemClock } from "../../src/app/deps.js";
import { openStore } from "../../src/store/open.js";

export const REPO = fileURLToPath(new URL("../..", import.meta.url));

const children = new Set<ChildProcess>();
const dirs = new Set<string>();
process.once("exit", () => {
  for (const child of children) child.kill("SIGKILL");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A temp folder, removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `starling-${prefix}-`));
  dirs.add(dir);
  return dir;
}

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

export function writeConfig(dir: string, name: string, config: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/**
 * The config of a gateway child process whose only network is the test's own simulator: demo and
 * webhooks off, one SMPP connector named "smsc". `connector` and `delivery` add or override settings.
 */
export function gatewayConfig(options: {
  port: number;
  databaseUrl: string;
  simulatorPort: number;
  systemId: string;
  connector?: Record<string, unknown>;
  delivery?: Record<string, unknown>;
}): Record<string, unknown> {
  return {
    server: { host: "127.0.0.1", port: options.port },
    database: { url: options.databaseUrl },
    log: { level: "warn" },
    demo: { enabled: false },
    webhooks: { enabled: false },
    delivery: {
      enabled: true,
      simulator: { enabled: false },
      connectors: [
        {
          id: "smsc",
          host: "127.0.0.1",
          port: options.simulatorPort,
          systemId: options.systemId,
          password: "secret",
          throughputPerSecond: 100_000,
          ...options.connector,
        },
      ],
      pollIntervalMs: 20,
      ...options.delivery,
    },
  };
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
  /** SIGTERM and wait (graceful shutdown); SIGKILL if it takes longer than `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  label: string;
  configFile: string;
  /** The port the config file gives server.port (the child is polled on /health there). */
  port: number;
  env?: Record<string, string>;
  nodeArgs?: string[];
  startTimeoutMs?: number;
}

/** Starts `node --import tsx src/main.ts` and resolves once GET /health answers. */
export async function spawnGateway(options: SpawnOptions): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), "--import", "tsx", "src/main.ts"], {
    cwd: REPO,
    env: { ...process.env, ...options.env, STARLING_CONFIG: options.configFile },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      children.delete(child);
      resolve(code);
    });
  });
  const url = `http://127.0.0.1:${options.port}`;
  const output = () => `--- ${options.label} output ---\n${lines.join("\n")}`;
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
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
  const stop = async (graceMs = 10_000) => {
    if (gone) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return { label: options.label, url, child, exited, output, crash, stop };
}

/** Kills every gateway child still running (after hooks call this so a failed test leaves nothing behind). */
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

/** An account with a key, made through the store API (the gateway's own use cases), before any gateway runs. */
export async function createAccountAndKey(
  databaseUrl: string,
  balance: number,
): Promise<{ accountId: number; token: string; keyId: number }> {
  const store = await openStore(databaseUrl);
  try {
    const deps = { store, clock: systemClock, pricing: { defaultPricePerPartMicros: 70_000 } };
    const account = await createAccount(deps, { name: "reliability", country: "DE", balance });
    const { key, token } = await createKey(deps, account.id);
    return { accountId: account.id, token, keyId: key.id };
  } finally {
    await store.close();
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true; throws `label` (and what `describe` says) after `timeoutMs`. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  label: string,
  intervalMs = 100,
  describe: () => string | Promise<string> = () => "",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${label} ${await describe()}`);
    await sleep(intervalMs);
  }
}

/** Polls `check` until it returns true or `timeoutMs` passes; resolves with whether it came true. */
export async function pollUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(intervalMs);
  }
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at once. */
export async function pool(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

export interface SmsResponse {
  status: number;
  body: any;
}

export async function postSms(
  base: string,
  token: string,
  body: unknown,
  timeoutMs = 15_000,
): Promise<SmsResponse> {
  const res = await fetch(`${base}/sms`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", "x-lox24-auth-token": token },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

export async function getJson(
  base: string,
  token: string,
  path: string,
  jsonLd = false,
): Promise<SmsResponse> {
  const res = await fetch(`${base}${path}`, {
    headers: { accept: jsonLd ? "application/ld+json" : "application/json", "x-lox24-auth-token": token },
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** How many of the account's messages have this dlr_code (GET /sms collection, hydra:totalItems). */
export async function countByDlr(base: string, token: string, dlrCode: number): Promise<number> {
  const res = await getJson(base, token, `/sms?dlr_code=${dlrCode}&itemsPerPage=1`, true);
  if (res.status !== 200) throw new Error(`GET /sms answered ${res.status}`);
  return Number(res.body["hydra:totalItems"]);
}

/** Every message of the account, through the paged GET /sms collection (plain JSON). */
export async function listAllMessages(base: string, token: string): Promise<any[]> {
  const all: any[] = [];
  for (let page = 1; page <= 1000; page++) {
    const res = await getJson(base, token, `/sms?itemsPerPage=500&page=${page}`);
    if (res.status !== 200) throw new Error(`GET /sms page ${page} answered ${res.status}`);
    const items = res.body as any[];
    all.push(...items);
    if (items.length < 500) break;
  }
  return all;
}

/** Integer micro-units of a price as the API renders it (a number with up to 6 decimals). */
export const micros = (price: number) => Math.round(price * 1_000_000);
