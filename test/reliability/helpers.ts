/**
 * Helpers for the reliability tests: the real gateway as a child process (harness/gateway-process.ts),
 * accounts made through the store API, a bounded worker pool for HTTP load, and
 * bounded waits. Every child is killed when the test process ends, whether the test passed or not.
 */
import { LOAD_TEST_FRAUD } from "../../harness/load-fraud.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sleep } from "../../harness/gateway-process.js";
import { systemClock } from "../../src/app/deps.js";
import { createAccount, createKey } from "../../src/app/manage-accounts.js";
import { openStore } from "../../src/store/open.js";

export {
  freePort,
  type GatewayProcess,
  killAllGateways,
  REPO,
  type SpawnOptions,
  sleep,
  spawnGateway,
} from "../../harness/gateway-process.js";

const dirs = new Set<string>();
process.once("exit", () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A temp folder, removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `starling-${prefix}-`));
  dirs.add(dir);
  return dir;
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
    fraud: LOAD_TEST_FRAUD,
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
