import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { fromMicros, toMicros } from "../core/money.js";
import { AppError } from "../errors.js";
import type { CliContext } from "./context.js";
import { print, table } from "./output.js";
import { parsePriceCsv } from "../app/prices.js";

export { parsePriceCsv };

const ISO2 = /^[A-Z]{2}$/;

export function registerPriceCommands(program: Command, run: (fn: (ctx: CliContext) => Promise<void>) => Promise<void>) {
  const prices = program
    .command("prices")
    .description("price per SMS part (or, with --voice, per voice call), per destination country");
  // --voice: the price of one call (text2speech / text2speech_ssml), whatever its length.
  const storeOf = (deps: CliContext["deps"], o: { voice?: boolean }) => (o.voice ? deps.store.voicePrices : deps.store.prices);
  const priceKey = (o: { voice?: boolean }) => (o.voice ? "price_per_call" : "price_per_part");
  prices
    .command("set <iso2> <price>")
    .option("--voice", "price per voice call instead of per SMS part")
    .option("--json")
    .action((iso2, price, o) =>
      run(async ({ deps }) => {
        const country = String(iso2).toUpperCase();
        if (!ISO2.test(country)) throw new AppError("validation", `not an ISO 3166 alpha-2 country: ${iso2}`);
        const micros = toMicros(price);
        if (micros < 0) throw new AppError("validation", "price must not be negative");
        await storeOf(deps, o).set(country, micros);
        print(o, { iso2: country, [priceKey(o)]: fromMicros(micros) }, () => `${country} ${fromMicros(micros)}`);
      }),
    );
  prices
    .command("import <file>")
    .description("CSV with ISO2,PRICE rows (per SMS part, or per call with --voice)")
    .option("--voice", "the prices are per voice call")
    .option("--json")
    .action((file, o) =>
      run(async ({ deps }) => {
        const { rows, errors } = parsePriceCsv(readFileSync(file, "utf8"));
        for (const row of rows) await storeOf(deps, o).set(row.iso2, row.micros);
        print(o, { imported: rows.length, errors }, () => [`imported ${rows.length}`, ...errors].join("\n"));
        if (errors.length > 0) process.exitCode = 1;
      }),
    );
  prices
    .command("list")
    .option("--voice", "voice prices per call")
    .option("--json")
    .action((o) =>
      run(async ({ deps }) => {
        const list = (await storeOf(deps, o).list()).map((p) => ({
          iso2: p.iso2,
          [priceKey(o)]: fromMicros(p.pricePerPartMicros),
        }));
        print(o, list, () => table(list));
      }),
    );
}
