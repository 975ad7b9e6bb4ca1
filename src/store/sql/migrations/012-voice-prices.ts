/** Voice calls are priced per call and destination country, apart from the price per SMS part. */
import type { Kysely } from "kysely";
import { big, notNull } from "./helpers.js";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("voice_prices")
    .ifNotExists()
    .addColumn("iso2", "text", (c) => c.primaryKey())
    .addColumn("price_micros", big, notNull)
    .execute();
}
