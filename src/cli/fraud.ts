/**
 * `starling fraud …`: an account's destination countries and velocity limits, and its fraud status
 * (rules in force, refusals per rule, OTP conversion per prefix). See README "Fraud protection".
 */
import type { Command } from "commander";
import { changeCountries, changeLimits, fraudStatus, parseCountries } from "../app/fraud/settings.js";
import { loadConfig } from "../config.js";
import { AppError } from "../errors.js";
import type { CliContext } from "./context.js";
import { print, table } from "./output.js";

const accountIdOf = (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new AppError("validation", `not an account id: ${value}`);
  return n;
};

/** "default" resets a limit to the gateway's; anything else must be a positive integer. */
const limitOf = (value: string | undefined) => {
  if (value === undefined) return undefined;
  if (value === "default") return null;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new AppError("validation", `not a positive integer: ${value}`);
  return n;
};

export function registerFraudCommands(
  program: Command,
  run: (fn: (ctx: CliContext) => Promise<void>) => Promise<void>,
) {
  const fraud = program.command("fraud").description("protection against SMS pumping");

  fraud
    .command("countries <accountId>")
    .description("show or change the destination countries an account may send to (* = all)")
    .option("--set <list>", "replace the list, e.g. DE,AT,CH")
    .option("--add <list>", "add countries")
    .option("--remove <list>", "remove countries")
    .option("--default", "back to the account's own country plus fraud.geo.defaultCountries")
    .option("--json")
    .action((accountId, o) =>
      run(async ({ deps }) => {
        const config = loadConfig();
        const id = accountIdOf(accountId);
        const change = {
          ...(o.set ? { set: parseCountries(o.set) } : {}),
          ...(o.add ? { add: parseCountries(o.add) } : {}),
          ...(o.remove ? { remove: parseCountries(o.remove) } : {}),
          ...(o.default ? { reset: true } : {}),
        };
        const countries =
          Object.keys(change).length > 0
            ? await changeCountries(deps, config.fraud, id, change)
            : (await fraudStatus(deps, config.fraud, id)).countries.permitted;
        print(o, { account_id: id, countries }, () => `account ${id} may send to: ${countries.join(",")}`);
      }),
    );

  fraud
    .command("limits <accountId>")
    .description("set an account's own velocity limits (messages per window; 'default' resets)")
    .option("--account <n>", "transactional messages per window, account-wide")
    .option("--prefix <n>", "transactional messages per window to one destination prefix")
    .option("--json")
    .action((accountId, o) =>
      run(async ({ deps }) => {
        const config = loadConfig();
        const id = accountIdOf(accountId);
        const account = limitOf(o.account);
        const prefix = limitOf(o.prefix);
        await changeLimits(deps, id, {
          ...(account !== undefined ? { accountLimit: account } : {}),
          ...(prefix !== undefined ? { prefixLimit: prefix } : {}),
        });
        const { velocity } = await fraudStatus(deps, config.fraud, id);
        print(o, { account_id: id, velocity }, () =>
          [
            `account ${id}: ${velocity.account.limit} per ${velocity.account.windowSeconds} s`,
            `per prefix: ${velocity.prefix.limit} per ${velocity.prefix.windowSeconds} s`,
          ].join("; "),
        );
      }),
    );

  fraud
    .command("status <accountId>")
    .description("rules in force, refusals per rule (7 days) and OTP conversion per destination prefix")
    .option("--json")
    .action((accountId, o) =>
      run(async ({ deps }) => {
        const config = loadConfig();
        const status = await fraudStatus(deps, config.fraud, accountIdOf(accountId));
        print(o, status, () => humanStatus(status));
      }),
    );
}

function humanStatus(s: Awaited<ReturnType<typeof fraudStatus>>): string {
  const { velocity, otpGuard } = s;
  const own = (yes: boolean) => (yes ? " (account's own)" : " (default)");
  return [
    `account ${s.accountId}`,
    `countries: ${s.countries.permitted.join(",")}${own(s.countries.own)}`,
    `velocity: ${velocity.account.limit} per ${velocity.account.windowSeconds} s${own(velocity.account.own)}; ` +
      `${velocity.prefix.limit} per ${velocity.prefix.windowSeconds} s per ${velocity.prefix.prefixDigits}-digit prefix${own(velocity.prefix.own)}`,
    `OTP guard: ${otpGuard.action} below ${otpGuard.minConversion * 100}% verified over ${otpGuard.minVolume}+ OTPs in ${otpGuard.windowSeconds} s`,
    "",
    "refusals (UTC days):",
    table(s.refusals.map((r) => ({ day: r.day, rule: r.rule, count: r.count, last: r.lastDetail }))),
    "",
    "OTP conversion per prefix:",
    table(
      s.otpPrefixes.map((p) => ({
        prefix: `+${p.prefix}`,
        created: p.created,
        verified: p.verified,
        conversion: p.conversion === null ? "" : `${Math.round(p.conversion * 100)}%`,
        state: p.paused ? otpGuard.action : "ok",
      })),
    ),
  ].join("\n");
}
