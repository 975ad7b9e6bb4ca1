/** `keys smpp ACCOUNT_ID [--key KEY_ID]`: an SMPP login (system_id + password ≤ 8), shown once. */
import type { Command } from "commander";
import type { CliContext } from "../cli/context.js";
import { print } from "../cli/output.js";
import { AppError } from "../errors.js";
import { createSmppKey, issueSmppLogin } from "./credentials.js";

const id = (value: string): number => {
  if (!/^\d+$/.test(value)) throw new AppError("validation", `not an id: ${value}`);
  return Number(value);
};

export function registerSmppKeyCommand(
  keys: Command,
  run: (fn: (ctx: CliContext) => Promise<void>) => Promise<void>,
) {
  keys
    .command("smpp <accountId>")
    .description("SMPP login for a new key, or with --key for an existing key of the account")
    .option("--key <keyId>", "give this existing key the login (replaces its previous one)")
    .option("--json")
    .action((accountId, o) =>
      run(async ({ deps }) => {
        const account = id(accountId);
        let login: { keyId: number; systemId: string; password: string };
        if (o.key !== undefined) {
          const found = await deps.store.keys.findWithAccount(id(o.key));
          if (!found || found.key.accountId !== account)
            throw new AppError("not_found", `key ${o.key} not found`);
          login = await issueSmppLogin(deps, found.key.id);
        } else login = await createSmppKey(deps, account);
        const out = {
          key_id: login.keyId,
          account_id: account,
          system_id: login.systemId,
          password: login.password,
        };
        print(o, out, () =>
          [
            `SMPP login for key ${login.keyId} of account ${account}. The password is shown only now:`,
            `  system_id: ${login.systemId}`,
            `  password:  ${login.password}`,
          ].join("\n"),
        );
      }),
    );
}
