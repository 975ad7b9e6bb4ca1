/** Starts a real gateway on 127.0.0.1 (ephemeral port) over a real store, with a funded account and key. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LOAD_TEST_FRAUD_OVERRIDES } from "../../harness/load-fraud.js";
import type { Clock } from "../../src/app/deps.js";
import { createAccount, createKey } from "../../src/app/manage-accounts.js";
import { loadConfig } from "../../src/config.js";
import { type Gateway, startGateway } from "../../src/gateway.js";
import type { StoreTarget } from "./stores.js";

export interface TestGateway {
  gateway: Gateway;
  url: string;
  token: string;
  accountId: number;
  keyId: number;
  /** Another account + key, for isolation tests. */
  newAccount(opts?: {
    country?: string;
    balance?: number;
  }): Promise<{ accountId: number; token: string; keyId: number }>;
  stop(): Promise<void>;
}

export interface TestGatewayOptions {
  clock?: Clock;
  overrides?: Record<string, unknown>;
  country?: string;
  balance?: number;
}

export async function startTestGateway(
  target: StoreTarget,
  options: TestGatewayOptions = {},
): Promise<TestGateway> {
  const config = loadConfig(
    {},
    {
      "server.port": 0,
      "database.url": await target.url(),
      "log.level": "silent",
      "demo.enabled": false,
      "delivery.enabled": false,
      "delivery.simulator.enabled": false,
      "webhooks.enabled": false,
      // Suites send abroad and create unverified OTPs; the fraud suites set the rules they test.
      ...LOAD_TEST_FRAUD_OVERRIDES,
      // Beside the SQLite file by default, but in ./data for PostgreSQL: keep tests out of the checkout.
      "otp.hashKeyFile": join(mkdtempSync(join(tmpdir(), "starling-otp-key-")), "otp-hash.key"),
      ...options.overrides,
    },
  );
  const gateway = await startGateway(config, options.clock ? { clock: options.clock } : {});
  const newAccount = async (opts: { country?: string; balance?: number } = {}) => {
    const account = await createAccount(gateway.deps, {
      name: "test",
      country: opts.country ?? "DE",
      balance: opts.balance ?? 100,
    });
    const { key, token } = await createKey(gateway.deps, account.id);
    return { accountId: account.id, token, keyId: key.id };
  };
  const main = await newAccount({
    ...(options.country ? { country: options.country } : {}),
    balance: options.balance ?? 100,
  });
  return { gateway, url: gateway.url, ...main, newAccount, stop: () => gateway.stop() };
}

export interface HttpResult {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export async function http(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | Uint8Array | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: body as BodyInit } : {}),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}
