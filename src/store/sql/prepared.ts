/**
 * Queries built and compiled by Kysely once, then run many times with new values.
 *
 * Kysely rebuilds and recompiles a query's operation tree on every call: ~20 µs for a small join, more than
 * SQLite takes to run it. On the per-request path (authentication, the debit, the message inserts) that is
 * most of the store's cost, so those queries are compiled once with named placeholders and bound per call.
 * The SQL still comes from Kysely for the dialect at hand, so SQLite and PostgreSQL share these queries too.
 */
import { CompiledQuery, type Compilable, type InferResult, type Kysely, type QueryResult } from "kysely";

/** What a placeholder stands for while the query is compiled; never reaches a database. */
const PLACEHOLDER = "\u0000starling-placeholder:";

export type Placeholder<P> = <K extends keyof P & string>(name: K) => P[K];

interface Executor {
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
}

type Slot = { name: string } | { value: unknown };

function compileWithSlots(query: Compilable<unknown>): { sql: string; slots: Slot[] } {
  const compiled = query.compile();
  const slots = compiled.parameters.map((value): Slot =>
    typeof value === "string" && value.startsWith(PLACEHOLDER) ? { name: value.slice(PLACEHOLDER.length) } : { value },
  );
  return { sql: compiled.sql, slots };
}

function bind(slots: Slot[], values: Record<string, unknown>): unknown[] {
  return slots.map((slot) => {
    if ("value" in slot) return slot.value;
    if (!(slot.name in values)) throw new Error(`prepared query: no value for "${slot.name}"`);
    return values[slot.name];
  });
}

export interface PreparedQuery<P, R> {
  /** Runs on `executor` (the Kysely instance or a transaction of it). */
  execute(executor: Executor, values: P): Promise<QueryResult<R>>;
  first(executor: Executor, values: P): Promise<R | undefined>;
}

/**
 * `build` receives a placeholder function: `p("name")` stands in for a value supplied at each execution.
 * Placeholders must sit where Kysely passes a value through as one parameter (comparisons, set values,
 * arithmetic), not inside `in` lists.
 */
export function prepared<P extends Record<string, unknown>, Q extends Compilable<unknown>>(
  build: (p: Placeholder<P>) => Q,
): PreparedQuery<P, InferResult<Q>[number]> {
  type R = InferResult<Q>[number];
  let compiled: { sql: string; slots: Slot[] } | undefined;
  const execute = async (executor: Executor, values: P): Promise<QueryResult<R>> => {
    compiled ??= compileWithSlots(build(((name: string) => `${PLACEHOLDER}${name}`) as Placeholder<P>));
    return executor.executeQuery(CompiledQuery.raw(compiled.sql, bind(compiled.slots, values))) as Promise<QueryResult<R>>;
  };
  return {
    execute,
    first: async (executor, values) => (await execute(executor, values)).rows[0],
  };
}

/**
 * Row counts a multi-row insert is compiled for; a batch is split greedily into these sizes. Every power of
 * two, so n rows take at most log2(n) + 1 statements (a group of 7 sends: 3, not 4 with sizes 4 and 1).
 */
const INSERT_SIZES = [256, 128, 64, 32, 16, 8, 4, 2, 1];

/**
 * A multi-row INSERT of `columns` into `table`, compiled once per row count in INSERT_SIZES, so that any
 * number of rows takes a few cached statements instead of a freshly built one per batch.
 */
export function preparedInsert<DB, T extends keyof DB & string, Row extends object>(
  kysely: Kysely<DB>,
  table: T,
  columns: readonly (keyof Row & string)[],
) {
  // Per row count: the SQL, and for each of its parameters the row and column it takes its value from.
  const bySize = new Map<number, { sql: string; sources: { row: number; column: string }[] }>();
  const compiledFor = (size: number) => {
    let compiled = bySize.get(size);
    if (!compiled) {
      const rows = Array.from({ length: size }, (_, i) =>
        Object.fromEntries(columns.map((c) => [c, `${PLACEHOLDER}${i}:${c}`])),
      );
      // biome-ignore lint/suspicious/noExplicitAny: the row shape is checked by `Row` at the call site.
      const { sql, slots } = compileWithSlots(kysely.insertInto(table).values(rows as any));
      const sources = slots.map((slot) => {
        if (!("name" in slot)) throw new Error(`prepared insert into ${table}: unexpected constant`);
        const [row, column] = slot.name.split(":") as [string, string];
        return { row: Number(row), column };
      });
      compiled = { sql, sources };
      bySize.set(size, compiled);
    }
    return compiled;
  };
  return async (executor: Executor, rows: Row[]): Promise<void> => {
    let at = 0;
    while (at < rows.length) {
      const size = INSERT_SIZES.find((s) => s <= rows.length - at)!;
      const { sql, sources } = compiledFor(size);
      const parameters = sources.map(({ row, column }) => (rows[at + row] as Record<string, unknown>)[column]);
      await executor.executeQuery(CompiledQuery.raw(sql, parameters));
      at += size;
    }
  };
}
