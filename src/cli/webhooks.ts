import type { Command } from "commander";
import { AppError } from "../errors.js";
import type { CliContext } from "./context.js";
import { print, table } from "./output.js";

/** Bounds of a receiver's own timeout: leases of claimed events are sized for the longest (dispatcher.ts). */
const MIN_TIMEOUT_MS = 100;
const MAX_TIMEOUT_MS = 60_000;

function receiverTimeout(raw: string): number {
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < MIN_TIMEOUT_MS || ms > MAX_TIMEOUT_MS) {
    throw new AppError("validation", `timeout must be ${MIN_TIMEOUT_MS}-${MAX_TIMEOUT_MS} ms, got ${raw}`);
  }
  return ms;
}

export function registerWebhookCommands(program: Command, run: (fn: (ctx: CliContext) => Promise<void>) => Promise<void>) {
  const webhooks = program.command("webhooks").description("callback URLs for sms.delivery and sms.incoming events");
  webhooks
    .command("add <accountId> <url>")
    .option("--timeout-ms <ms>", "this receiver's own timeout per post (default: webhooks.timeoutMs)")
    .option("--json")
    .action((accountId, url, o) =>
      run(async ({ deps }) => {
        let parsed: URL;
        try {
          parsed = new URL(url);
        } catch {
          throw new AppError("validation", `not a URL: ${url}`);
        }
        if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new AppError("validation", "URL must be http or https");
        const account = await deps.store.accounts.get(Number(accountId));
        if (!account) throw new AppError("not_found", `account ${accountId} not found`);
        const timeoutMs = o.timeoutMs === undefined ? null : receiverTimeout(o.timeoutMs);
        const hook = await deps.store.webhooks.add(account.id, parsed.toString(), deps.clock.now(), timeoutMs);
        const shown = { id: hook.id, account_id: hook.accountId, url: hook.url, timeout_ms: hook.timeoutMs };
        print(o, shown, () => `webhook ${hook.id} added`);
      }),
    );
  webhooks
    .command("list <accountId>")
    .option("--json")
    .action((accountId, o) =>
      run(async ({ deps }) => {
        const hooks = await deps.store.webhooks.list(Number(accountId));
        const list = hooks.map((h) => ({ id: h.id, url: h.url, timeout_ms: h.timeoutMs ?? "default" }));
        print(o, list, () => table(list));
      }),
    );
  webhooks
    .command("remove <webhookId>")
    .option("--json")
    .action((id, o) =>
      run(async ({ deps }) => {
        if (!(await deps.store.webhooks.remove(Number(id)))) throw new AppError("not_found", `webhook ${id} not found`);
        print(o, { id: Number(id), removed: true }, () => `webhook ${id} removed`);
      }),
    );
  webhooks
    .command("timeout <webhookId> <ms>")
    .description(`this receiver's own timeout per post, ${MIN_TIMEOUT_MS}-${MAX_TIMEOUT_MS} ms, or "default"`)
    .option("--json")
    .action((id, ms, o) =>
      run(async ({ deps }) => {
        const timeoutMs = ms === "default" ? null : receiverTimeout(ms);
        if (!(await deps.store.webhooks.setTimeout(Number(id), timeoutMs))) throw new AppError("not_found", `webhook ${id} not found`);
        print(o, { id: Number(id), timeout_ms: timeoutMs }, () => `webhook ${id} timeout ${timeoutMs ?? "default"}`);
      }),
    );
  webhooks
    .command("secret <accountId>")
    .description("the key that signs this account's webhook bodies (X-Starling-Signature)")
    .option("--json")
    .action((accountId, o) =>
      run(async ({ deps }) => {
        const account = await deps.store.accounts.get(Number(accountId));
        if (!account) throw new AppError("not_found", `account ${accountId} not found`);
        print(o, { account_id: account.id, secret: account.webhookSecret }, () => account.webhookSecret);
      }),
    );
}
