/** `npm start`: run the gateway until SIGINT/SIGTERM, then shut down gracefully. */
import { bootstrapDemo } from "./app/bootstrap-demo.js";
import { ConfigError, loadConfig } from "./config.js";
import { VoiceStartupError } from "./delivery/voice/embedded.js";
import { startGateway } from "./gateway.js";

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

  const gateway = await startGateway(config).catch((error) => {
    // Voice configured without espeak-ng: a clear message, not a stack trace.
    if (error instanceof VoiceStartupError) {
      process.stderr.write(`starling: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  });
  const log = gateway.http.log;
  log.info({ url: gateway.url, store: gateway.store.kind }, "Starling is listening");

  if (config.demo.enabled) {
    const demo = await bootstrapDemo(gateway.deps, config.demo);
    if (demo) printDemo(gateway.url, demo.accountId, demo.token);
  }

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
  process.stderr.write(`starling: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
