/** `starling admins create NAME` / `reset NAME` / `list`: operators of the web console. */
import type { Command } from "commander";
import { createOperator, listOperators, resetOperatorPassword } from "../app/admin/operators.js";
import type { CliContext } from "./context.js";
import { print, table } from "./output.js";

export function registerAdminCommands(
  program: Command,
  run: (fn: (ctx: CliContext) => Promise<void>) => Promise<void>,
) {
  const admins = program.command("admins").description("operators of the web console");
  const shown = (verb: string) => (r: { name: string; password: string }) =>
    [
      `Operator ${r.name} ${verb}. One-time password (shown only now, stored only as a scrypt hash):`,
      "",
      `  ${r.password}`,
      "",
      "Log in to the console with it (the address is printed by `npm start`, default http://127.0.0.1:8081/).",
    ].join("\n");
  admins
    .command("create <name>")
    .description("create an operator and print a one-time password")
    .option("--json")
    .action((name, o) =>
      run(async ({ deps }) => {
        const created = await createOperator(deps, String(name));
        print(o, created, () => shown("created")(created));
      }),
    );
  admins
    .command("reset <name>")
    .description("new one-time password; ends the operator's sessions and lifts a lockout")
    .option("--json")
    .action((name, o) =>
      run(async ({ deps }) => {
        const reset = await resetOperatorPassword(deps, String(name));
        print(o, reset, () => shown("reset")(reset));
      }),
    );
  admins
    .command("list")
    .option("--json")
    .action((o) =>
      run(async ({ deps }) => {
        const list = await listOperators(deps);
        print(o, list, () =>
          table(
            list.map((a) => ({
              id: a.id,
              name: a.name,
              locked_until:
                a.lockedUntil && a.lockedUntil > Date.now() ? new Date(a.lockedUntil).toISOString() : "-",
            })),
          ),
        );
      }),
    );
}
