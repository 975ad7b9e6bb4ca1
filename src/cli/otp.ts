/** `starling otp limits ACCOUNT [--max-active N] [--daily-quota N]`: shows or sets an account's OTP limits. */
import type { Command } from "commander";
import { otpLimitsOf, setOtpLimits } from "../app/otp/settings.js";
import type { OtpLimits } from "../core/otp.js";
import { AppError } from "../errors.js";
import type { CliContext } from "./context.js";
import { print } from "./output.js";

function positive(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new AppError("validation", `${name} must be a positive integer`);
  return n;
}

export function registerOtpCommands(
  program: Command,
  run: (fn: (ctx: CliContext) => Promise<void>) => Promise<void>,
) {
  const otp = program.command("otp").description("one-time passwords");
  otp
    .command("limits <accountId>")
    .description("show or set concurrent active OTPs and daily verify calls (defaults: 10 and 1000)")
    .option("--max-active <n>", "OTPs in progress at the same time")
    .option("--daily-quota <n>", "verify calls per UTC day")
    .option("--json")
    .action((accountId, o) =>
      run(async ({ deps }) => {
        const id = positive("account id", accountId);
        const patch: Partial<OtpLimits> = {
          ...(o.maxActive !== undefined ? { maxActive: positive("--max-active", o.maxActive) } : {}),
          ...(o.dailyQuota !== undefined ? { dailyQuota: positive("--daily-quota", o.dailyQuota) } : {}),
        };
        const limits =
          Object.keys(patch).length > 0 ? await setOtpLimits(deps, id, patch) : await shown(deps, id);
        const view = { account_id: id, max_active: limits.maxActive, daily_quota: limits.dailyQuota };
        print(
          o,
          view,
          () => `account ${id}: max active ${limits.maxActive}, daily quota ${limits.dailyQuota}`,
        );
      }),
    );
}

async function shown(deps: CliContext["deps"], accountId: number): Promise<OtpLimits> {
  if (!(await deps.store.accounts.get(accountId)))
    throw new AppError("not_found", `account ${accountId} not found`);
  return otpLimitsOf(deps, accountId);
}
