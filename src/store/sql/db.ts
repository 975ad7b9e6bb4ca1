import type { Kysely } from "kysely";
import type { FullsmsTables } from "./fullsms/schema.js";
import type { AdminTables } from "./operator/schema.js";
import type { OtpTables } from "./otp.js";
import type { SafetyTables } from "./safety.js";
import type { CoreTables, DeliveryTables } from "./schema.js";

/** Every table of every area; an area adds its own interface here. */
export type Database = CoreTables & DeliveryTables & OtpTables & FullsmsTables & SafetyTables & AdminTables;

export type Dialect = "sqlite" | "postgres";

export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
  /**
   * A number that changes whenever another connection commits (SQLite's data_version), so that what this
   * process keeps in memory can be checked for staleness cheaply; absent where the database cannot say.
   */
  changeCounter?: () => number;
}
