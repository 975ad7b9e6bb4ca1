/**
 * An account option: accept only numbers in ranges libphonenumber knows as allocated ("valid"), instead
 * of every number of a possible length (the default; see core/phone.ts NumberRule).
 */
import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("accounts")
    .addColumn("strict_numbers", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
}
