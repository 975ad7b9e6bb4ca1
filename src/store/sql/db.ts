import type { Kysely } from "kysely";
import type { CoreTables } from "./schema.js";

/** Every table of every area; an area adds its own interface here. */
export type Database = CoreTables;

export type Dialect = "sqlite" | "postgres";

export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
}
