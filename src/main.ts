/** `npm start`: run the gateway until SIGINT/SIGTERM, then shut down gracefully. */
import { createOperator } from "./app/admin/operators.js";
import { bootstrapDemo } from "./app/bootstrap-demo.js";
import { OtpKeyError } from "./app/otp-hash-keys.js";
import { ConfigError, loadConfig } from "./config.js";
import { VoiceStartupError } from "./delivery/voice/embedded.js";
import { startGateway } from "./gateway.js";
import { limitHeapGrowth } from "./runtime/heap-growth.js";
import { trimHeapWhenIdle } from "./runtime/idle-heap-trim.js";

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`starling: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  // Before the gateway allocates anything: a drain's heap swells by this factor at most (runtime/heap-growth.ts).
  limitHeapGrowth(config.runtime.heapGrowingPercent);

  const gateway = await startGateway(config).catch((error) => {
    // Voice configured without espeak-ng: a clear message, not a stack trace.
    if (error instanceof VoiceStartupError) {
      process.stderr.write(`starling: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  });
  const log = gateway.http.log;
  // The heap a drain or a burst grew goes back once the gateway is quiet (see runtime/idle-heap-trim.ts).
  trimHeapWhenIdle(undefined, (before, after) =>
    log.debug({ heapTotalBefore: before, heapTotalAfter: after }, "idle: heap trimmed"),
  );

  // Handlers first: a signal that arrives while the first-run lines are printed still shuts down cleanly.
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    gateway.stop().then(
      () => process.exit(0),
      (error) => {
        log.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  // Announced only once the handlers are in place: a supervisor (or a test) that signals as soon as it reads
  // this line must get a graceful stop, not the default action of SIGINT.
  log.info({ url: gateway.url, store: gateway.store.kind }, "Starling is listening");

  if (gateway.adminUrl) await printConsole(gateway);

  if (config.demo.enabled) {
    const demo = await bootstrapDemo(gateway.deps, config.demo);
    if (demo) printDemo(gateway.url, demo.accountId, demo.token);
  }
}

/**
 * The console's address on every start. With no operator yet, "admin" is created and its one-time password
 * printed once (like the demo token), so `npm start` alone is enough to log in; `starling admins reset
 * admin` prints a new one.
 */
async function printConsole(gateway: Awaited<ReturnType<typeof startGateway>>): Promise<void> {
  const lines = [
    "",
    `Operator console: ${gateway.adminUrl}/   (Prometheus: ${gateway.adminUrl}/metrics · API reference: ${gateway.url}/docs)`,
  ];
  if ((await gateway.store.admins.list()).length === 0) {
    const first = gateway.config.admin.firstOperator
      ? await createOperator(gateway.deps, "admin").catch(() => undefined)
      : undefined;
    if (first) {
      lines.push("", 'First run: log in as operator "admin" with this one-time password (shown only now):', "", `  ${first.password}`);
    } else {
      lines.push("", "Create an operator to log in (it prints a one-time password):", "", "  npm run starling -- admins create NAME");
    }
  }
  process.stdout.write(`${lines.join("\n")}\n\n`);
}

/** Printed once, on the first start: the token is not stored in clear and cannot be shown again. */
function printDemo(url: string, accountId: number, token: string): void {
  process.stdout.write(
    [
      "",
      `Demo account ${accountId} created. Its API token (shown only this once):`,
      "",
      `  ${token}`,
      "",
      "Send a message:",
      "",
      `  curl -s -X POST ${url}/sms -H 'Content-Type: application/json' \\`,
      `    -H 'X-LOX24-AUTH-TOKEN: ${token}' \\`,
      `    -d '{"sender_id":"Starling","phone":"+491701234567","text":"Hello from Starling"}'`,
      "",
      `More tokens: npm run starling -- keys create ${accountId}`,
      "",
    ].join("\n"),
  );
}

main().catch((error) => {
  if (error instanceof OtpKeyError) {
    process.stderr.write(`starling: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`starling: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
