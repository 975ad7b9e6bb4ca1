/**
 * Set-based statements for group commits: one statement per kind of write for a whole batch instead of
 * one per item. Two constraints shape them:
 *
 * - Bounded parameters: lists are cut into chunks of at most CHUNK rows (SQLite allows 32,766 bound
 *   parameters, PostgreSQL 65,535).
 * - Few distinct SQL texts: the SQLite driver caches prepared statements by text, and a statement per list
 *   length would crowd that cache. Every chunk is padded up to a power of two (≤ 9 shapes per statement):
 *   IN lists by repeating their last value, VALUES lists with all-NULL rows that match nothing.
 *
 * Rows travel as `(VALUES (…), …) AS v`, whose columns both dialects name column1, column2, … PostgreSQL
 * types untyped parameters in a VALUES list as text, hence the CASTs on non-text columns.
 */
import { CompiledQuery, type RawBuilder, sql, type Transaction } from "kysely";
import type { Database } from "./db.js";

type Trx = Transaction<Database>;

export const CHUNK = 256;

function powerOfTwoAtLeast(n: number): number {
  let size = 1;
  while (size < n) size *= 2;
  return size;
}

/** `items` in chunks of at most `CHUNK`, each padded to a power of two by repeating its last item. */
export function paddedChunks<T>(items: readonly T[]): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) {
    const chunk = items.slice(i, i + CHUNK);
    const last = chunk[chunk.length - 1]!;
    while (chunk.length < powerOfTwoAtLeast(chunk.length)) chunk.push(last);
    chunks.push(chunk);
  }
  return chunks;
}

/** A VALUES list of `rows` (each `width` long), padded with NULL rows to a power of two. */
function valuesOf(rows: readonly (readonly unknown[])[], width: number): RawBuilder<unknown> {
  const padded: (readonly unknown[])[] = [...rows];
  const pad = Array.from({ length: width }, () => null);
  while (padded.length < powerOfTwoAtLeast(rows.length)) padded.push(pad);
  return sql`(VALUES ${sql.join(padded.map((row) => sql`(${sql.join(row.map((value) => sql`${value}`))})`))}) AS v`;
}

/**
 * The compiled SQL of each statement shape (dialect, statement, row width, padded row count). Building a
 * VALUES list of a few hundred parameters through Kysely's query tree cost more than SQLite took to run
 * it (~10% of the delivery stage); a shape is compiled once and later runs only bind the flat rows.
 */
const compiledShapes = new Map<string, string>();

async function executeWithValues(
  trx: Trx,
  /** Names the statement: the same name always builds the same SQL around its VALUES. */
  name: string,
  statement: (values: RawBuilder<unknown>) => RawBuilder<unknown>,
  rows: readonly (readonly unknown[])[],
  width: number,
): Promise<void> {
  const size = powerOfTwoAtLeast(rows.length);
  // The placeholder style ("?" or "$1") tells the dialects apart.
  const key = `${sql`${0}`.compile(trx).sql}|${width}|${size}|${name}`;
  let text = compiledShapes.get(key);
  if (text === undefined) {
    text = statement(valuesOf(rows, width)).compile(trx).sql;
    compiledShapes.set(key, text);
  }
  // The statements' only parameters are the VALUES rows, in row order; padding rows are all NULL.
  const parameters: unknown[] = [];
  for (const row of rows) parameters.push(...row);
  for (let i = rows.length * width; i < size * width; i++) parameters.push(null);
  await trx.executeQuery(CompiledQuery.raw(text, parameters));
}

/**
 * `UPDATE <set> FROM (VALUES rows) AS v WHERE <match>`, chunked. `set` and `match` are fixed SQL naming
 * v.column1…; the first column of every row must be non-null so padding rows match nothing. A target row
 * must appear in at most one row of `rows` (which row would win is undefined in both dialects).
 */
export async function updateFromRows(trx: Trx, set: string, match: string, rows: readonly (readonly unknown[])[]): Promise<void> {
  if (rows.length === 0) return;
  const width = rows[0]!.length;
  for (let i = 0; i < rows.length; i += CHUNK) {
    await executeWithValues(
      trx,
      `${set}\0${match}`,
      (values) => sql`${sql.raw(set)} FROM ${values} WHERE ${sql.raw(match)}`,
      rows.slice(i, i + CHUNK),
      width,
    );
  }
}

/**
 * `INSERT INTO <into> SELECT <select> FROM (VALUES rows) AS v WHERE v.column1 IS NOT NULL [<tail>]`,
 * chunked; the first column of every row must be non-null (padding rows are dropped by it).
 */
export async function insertRows(
  trx: Trx,
  into: string,
  select: string,
  rows: readonly (readonly unknown[])[],
  tail = "",
): Promise<void> {
  if (rows.length === 0) return;
  const width = rows[0]!.length;
  for (let i = 0; i < rows.length; i += CHUNK) {
    await executeWithValues(
      trx,
      `INSERT\0${into}\0${select}\0${tail}`,
      (values) =>
        sql`INSERT INTO ${sql.raw(into)} SELECT ${sql.raw(select)} FROM ${values} WHERE v.column1 IS NOT NULL ${sql.raw(tail)}`,
      rows.slice(i, i + CHUNK),
      width,
    );
  }
}
