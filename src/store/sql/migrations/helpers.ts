import { type ColumnDefinitionBuilder, type CreateTableBuilder, sql } from "kysely";
import type { Dialect } from "../db.js";

/** An auto-numbered integer key in either store. */
export function withId<T extends string>(table: CreateTableBuilder<T>, dialect: Dialect): CreateTableBuilder<T> {
  return dialect === "postgres"
    ? table.addColumn("id", "bigserial", (c) => c.primaryKey())
    : table.addColumn("id", "integer", (c) => c.primaryKey().autoIncrement());
}

/** 64-bit integers: money in micros and times in unix ms overflow a 32-bit PostgreSQL integer. */
export const big = "bigint" as const;

export const notNull = (c: ColumnDefinitionBuilder) => c.notNull();

export { sql };
