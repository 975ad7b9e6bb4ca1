import type { Command } from "commander";
import { AppError } from "../errors.js";
import type { CliContext } from "./context.js";
import { print, table } from "./output.js";

export function registerWebhookCommands(program: Command, run: (fn: (ctx: CliContext) => Promise<void>) => Promise<void>) {
  const webhooks = program.command("webhooks").description("callback URLs for sms.delivery and sms.incoming events");
  webhooks
    .command("add <accountId> <url>")
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
        const hook = await deps.store.webhooks.add(account.id, parsed.toString(), deps.clock.now());
        print(o, { id: hook.id, account_id: hook.accountId, url: hook.url }, () => `webhook ${hook.id} added`);
      }),
    );
  webhooks
    .command("list <accountId>")
    .option("--json")
    .action((accountId, o) =>
      run(async ({ deps }) => {
        const list = (await deps.store.webhooks.list(Number(accountId))).map((h) => ({ id: h.id, url: h.url }));
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
