/**
 * CSV import of contacts, streamed: rows are read line by line and written in batches, so a file of
 * millions of rows needs no more memory than one batch. A bad row is reported, never fatal.
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { normalisePhone } from "../../core/phone.js";
import { AppError } from "../../errors.js";
import type { AppDeps } from "../deps.js";
import { numberRuleOf } from "../number-rule.js";
import { listWithAccount } from "./manage-lists.js";

const BATCH = 5000;
/** Bad rows listed one by one; beyond this only counted. */
const MAX_REPORTED = 100;
const PHONE_HEADERS = new Set(["phone", "number", "mobile", "msisdn", "tel", "telephone", "cell", "phone_number"]);

export interface ImportReport {
  listId: number;
  rows: number;
  added: number;
  resubscribed: number;
  /** Valid rows already on the list (or repeated in the file). */
  unchanged: number;
  invalid: number;
  /** The first bad rows: "line N: reason". */
  errors: string[];
}

/** How often (in rows read) an import reports its progress. */
export const PROGRESS_EVERY_ROWS = 1000;

export interface ImportOptions {
  /** Called every PROGRESS_EVERY_ROWS rows and once at the end, with the report so far. */
  onProgress?: (report: Readonly<ImportReport>) => void;
}

/** Nothing could be imported: not one row held a usable number (an empty file included). */
export const importedNothing = (r: ImportReport) => r.rows === r.invalid;

const cellsOf = (line: string) => line.split(/[,;\t]/).map((c) => c.trim().replace(/^"(.*)"$/, "$1").trim());

export async function importContacts(
  deps: AppDeps,
  listId: number,
  file: string,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const { list, account } = await listWithAccount(deps, listId);
  const report: ImportReport = { listId, rows: 0, added: 0, resubscribed: 0, unchanged: 0, invalid: 0, errors: [] };
  const rule = numberRuleOf(account);
  let column = 0;
  let lineNo = 0;
  let batch: string[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const { added, resubscribed } = await deps.store.fullsms.contacts.add(list.id, batch, deps.clock.now());
    report.added += added;
    report.resubscribed += resubscribed;
    report.unchanged += batch.length - added - resubscribed;
    batch = [];
  };
  const bad = (reason: string) => {
    report.invalid++;
    if (report.errors.length < MAX_REPORTED) report.errors.push(`line ${lineNo}: ${reason}`);
  };

  const lines = createInterface({ input: createReadStream(file, "utf8"), crlfDelay: Infinity });
  try {
    for await (const raw of lines) {
      lineNo++;
      const line = lineNo === 1 ? raw.replace(/^\uFEFF/, "") : raw;
      if (!line.trim() || line.trim().startsWith("#")) continue;
      const cells = cellsOf(line);
      // A first row naming its columns picks the phone column; without one, the first column is the phone.
      if (lineNo === 1 && cells.every((c) => !/\d{4}/.test(c))) {
        const found = cells.findIndex((c) => PHONE_HEADERS.has(c.toLowerCase()));
        column = Math.max(found, 0);
        continue;
      }
      report.rows++;
      if (report.rows % PROGRESS_EVERY_ROWS === 0) options.onProgress?.(report);
      const value = cells[column] ?? "";
      const phone = value ? normalisePhone(value, account.country, rule)?.e164 : undefined;
      if (!phone) {
        bad(value ? `"${value.slice(0, 40)}" is not a valid phone number` : "no phone number");
        continue;
      }
      batch.push(phone);
      if (batch.length >= BATCH) await flush();
    }
  } catch (error) {
    // A missing file, a directory, a read error: the operator's to fix, said in one line.
    const { syscall } = error as NodeJS.ErrnoException;
    if (syscall === "open" || syscall === "read") {
      throw new AppError("validation", `cannot read ${file}: ${(error as Error).message}`);
    }
    throw error;
  }
  await flush();
  options.onProgress?.(report);
  return report;
}
