/** Prices per SMS part by destination country: set one, import a CSV (CLI and console). */
import { toMicros } from "../core/money.js";
import { AppError } from "../errors.js";
import type { AppDeps } from "./deps.js";

const ISO2 = /^[A-Z]{2}$/;

/** CSV rows `ISO2,PRICE_PER_PART` (a header row and blank lines are skipped); bad rows are reported. */
export function parsePriceCsv(text: string): { rows: { iso2: string; micros: number }[]; errors: string[] } {
  const rows: { iso2: string; micros: number }[] = [];
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith("#")) return;
    const [country = "", price = ""] = trimmed.split(/[,;\t]/).map((c) => c.trim().replace(/^"|"$/g, ""));
    if (index === 0 && !ISO2.test(country.toUpperCase())) return; // header
    try {
      if (!ISO2.test(country.toUpperCase())) throw new Error(`bad country "${country}"`);
      const micros = toMicros(price);
      if (micros < 0) throw new Error("negative price");
      rows.push({ iso2: country.toUpperCase(), micros });
    } catch (error) {
      errors.push(`line ${index + 1}: ${(error as Error).message}`);
    }
  });
  return { rows, errors };
}

export async function setPrice(
  deps: AppDeps,
  iso2: string,
  pricePerPart: string | number,
): Promise<{ iso2: string; micros: number }> {
  const country = String(iso2).trim().toUpperCase();
  if (!ISO2.test(country)) throw new AppError("validation", `not an ISO 3166 alpha-2 country: ${iso2}`);
  let micros: number;
  try {
    micros = toMicros(pricePerPart);
  } catch {
    throw new AppError("validation", `not a price: ${pricePerPart}`);
  }
  if (micros < 0) throw new AppError("validation", "price must not be negative");
  await deps.store.prices.set(country, micros);
  return { iso2: country, micros };
}

/** Imports every good row; the bad ones are reported, not half-applied. */
export async function importPrices(
  deps: AppDeps,
  csv: string,
): Promise<{ imported: number; errors: string[] }> {
  const { rows, errors } = parsePriceCsv(csv);
  for (const row of rows) await deps.store.prices.set(row.iso2, row.micros);
  return { imported: rows.length, errors };
}
