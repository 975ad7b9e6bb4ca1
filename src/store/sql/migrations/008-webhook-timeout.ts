/**
 * A webhook receiver may have its own timeout (issue 18 item 5): a receiver known to answer slowly gets
 * longer than the configured default instead of every event being retried. Null = the default.
 */
import type { Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("webhooks").addColumn("timeout_ms", "integer").execute();
}
