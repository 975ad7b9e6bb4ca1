import type { Command } from "commander";
import { createAccount, createKey, setServices } from "../app/manage-accounts.js";
import { type ServiceCode, SERVICE_CODES } from "../core/message.js";
import { fromMicros, toMicros } from "../core/money.js";
import { AppError } from "../errors.js";
import type { Account } from "../store/ports/index.js";
import { registerSmppKeyCommand } from "../smpp-server/cli.js";
import type { CliContext } from "./context.js";
import { print, table } from "./output.js";

export function accountView(a: Account) {
  return {
    id: a.id,
    name: a.name,
    country: a.country,
    currency: a.currency,
    balance: fromMicros(a.balanceMicros),
    status: a.status,
    services: a.services.join(","),
    timezone: a.timezone,
    min_balance: fromMicros(a.minBalanceMicros),
    short_links: a.allowShortLinks,
    strict_numbers: a.strictNumbers ?? false,
  };
}

const id = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new AppError("validation", `not an id: ${value}`);
  return n;
};

export function registerAccountCommands(program: Command, run: (fn: (ctx: CliContext) => Promise<void>) => Promise<void>) {
  const accounts = program.command("accounts").description("customer accounts");
  accounts
    .command("create")
    .requiredOption("--name <name>")
    .requiredOption("--country <iso2>", "country for national numbers, e.g. DE")
    .option("--currency <code>", "ISO 4217 currency", "EUR")
    .option("--balance <amount>", "starting balance", "0")
    .option("--timezone <tz>", "IANA time zone for FullSMS send_at", "UTC")
    .option("--json")
    .action((o) =>
      run(async ({ deps }) => {
        const account = await createAccount(deps, {
          name: o.name,
          country: String(o.country).toUpperCase(),
          currency: String(o.currency).toUpperCase(),
          balance: o.balance,
          timezone: o.timezone,
        });
        print(o, accountView(account), () => `account ${account.id} created`);
      }),
    );
  accounts
    .command("list")
    .option("--json")
    .action((o) =>
      run(async ({ deps }) => {
        const list = (await deps.store.accounts.list()).map(accountView);
        print(o, list, () => table(list));
      }),
    );
  accounts
    .command("topup <accountId> <amount>")
    .description("add credit (a negative amount removes it)")
    .option("--json")
    .action((accountId, amount, o) =>
      run(async ({ deps }) => {
        const balance = await deps.store.accounts.adjustBalance(id(accountId), toMicros(amount), deps.clock.now());
        if (balance === undefined) throw new AppError("not_found", `account ${accountId} not found`);
        print(o, { id: id(accountId), balance: fromMicros(balance) }, () => `balance ${fromMicros(balance)}`);
      }),
    );
  for (const [name, status] of [
    ["disable", "disabled"],
    ["enable", "active"],
  ] as const) {
    accounts
      .command(`${name} <accountId>`)
      .option("--json")
      .action((accountId, o) =>
        run(async ({ deps }) => {
          const account = await deps.store.accounts.update(id(accountId), { status });
          if (!account) throw new AppError("not_found", `account ${accountId} not found`);
          print(o, accountView(account), () => `account ${account.id} ${status}`);
        }),
      );
  }
  accounts
    .command("set <accountId>")
    .description("change account settings")
    .option("--services <list>", `comma-separated: ${SERVICE_CODES.join(",")}`)
    .option("--timezone <tz>")
    .option("--min-balance <amount>", "FullSMS: minimum balance to send campaigns")
    .option("--short-links <on|off>")
    .option("--text-deleted <on|off>", "default for is_text_deleted")
    .option("--strict-numbers <on|off>", "accept only recipients in allocated ranges (default: any possible number)")
    .option("--json")
    .action((accountId, o) =>
      run(async ({ deps }) => {
        const accountNo = id(accountId);
        if (o.services) await setServices(deps, accountNo, String(o.services).split(",") as ServiceCode[]);
        const onOff = (v: string | undefined) => (v === undefined ? undefined : /^(on|true|yes|1)$/i.test(v));
        const patch = {
          ...(o.timezone ? { timezone: o.timezone as string } : {}),
          ...(o.minBalance !== undefined ? { minBalanceMicros: toMicros(o.minBalance) } : {}),
          ...(o.shortLinks !== undefined ? { allowShortLinks: onOff(o.shortLinks)! } : {}),
          ...(o.textDeleted !== undefined ? { isTextDeleted: onOff(o.textDeleted)! } : {}),
          ...(o.strictNumbers !== undefined ? { strictNumbers: onOff(o.strictNumbers)! } : {}),
        };
        if (patch.timezone) {
          try {
            new Intl.DateTimeFormat("en", { timeZone: patch.timezone });
          } catch {
            throw new AppError("validation", `unknown time zone: ${patch.timezone}`);
          }
        }
        const account = await deps.store.accounts.update(accountNo, patch);
        if (!account) throw new AppError("not_found", `account ${accountId} not found`);
        print(o, accountView(account), () => table([accountView(account)]));
      }),
    );

  const keys = program.command("keys").description("API keys");
  registerSmppKeyCommand(keys, run);
  keys
    .command("create <accountId>")
    .option("--name <name>")
    .option("--json")
    .action((accountId, o) =>
      run(async ({ deps }) => {
        const { key, token } = await createKey(deps, id(accountId), o.name ?? null);
        const fullsms = token.replace(":", "|");
        print(o, { key_id: key.id, account_id: key.accountId, token, bearer: fullsms }, () =>
          [
            `key ${key.id} for account ${key.accountId}. The token is shown only now:`,
            `  LOX24:   X-LOX24-AUTH-TOKEN: ${token}`,
            `  FullSMS: Authorization: Bearer ${fullsms}`,
          ].join("\n"),
        );
      }),
    );
  keys
    .command("list <accountId>")
    .option("--json")
    .action((accountId, o) =>
      run(async ({ deps }) => {
        const list = (await deps.store.keys.list(id(accountId))).map((k) => ({
          key_id: k.id,
          name: k.name,
          created_at: new Date(k.createdAt).toISOString(),
          revoked_at: k.revokedAt ? new Date(k.revokedAt).toISOString() : null,
        }));
        print(o, list, () => table(list));
      }),
    );
  keys
    .command("revoke <keyId>")
    .option("--json")
    .action((keyId, o) =>
      run(async ({ deps }) => {
        const revoked = await deps.store.keys.revoke(id(keyId), deps.clock.now());
        if (!revoked) throw new AppError("not_found", `key ${keyId} not found or already revoked`);
        print(o, { key_id: id(keyId), revoked: true }, () => `key ${keyId} revoked`);
      }),
    );
}
