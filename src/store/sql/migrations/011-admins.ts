/** Operators of the console and their sessions (tokens stored as SHA-256 only). */
import type { Kysely } from "kysely";
import type { Dialect } from "../db.js";
import { big, notNull, withId } from "./helpers.js";

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await withId(db.schema.createTable("admins").ifNotExists(), dialect)
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("password_hash", "text", notNull)
    .addColumn("failed_logins", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("locked_until", big)
    .addColumn("created_at", big, notNull)
    .execute();
  await db.schema
    .createTable("admin_sessions")
    .ifNotExists()
    .addColumn("token_hash", "text", (c) => c.primaryKey())
    .addColumn("admin_id", big, (c) => c.notNull().references("admins.id").onDelete("cascade"))
    .addColumn("csrf_token", "text", notNull)
    .addColumn("created_at", big, notNull)
    .addColumn("expires_at", big, notNull)
    .execute();
}
