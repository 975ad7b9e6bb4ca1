/**
 * PostgreSQL tells every gateway process when a key or an account's profile changed, so processes may keep
 * authenticated keys in memory (store/postgres/change-listener.ts, store/sql/credential-cache.ts) instead
 * of reading the key and its account on every request. A NOTIFY is sent at commit, once per transaction;
 * a debit or a refund (balance columns only) sends none. SQLite needs nothing: `PRAGMA data_version`.
 */
import { type Kysely, sql } from "kysely";
import type { Dialect } from "../db.js";

export const CREDENTIALS_CHANNEL = "starling_credentials";

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect !== "postgres") return;
  await sql`
    CREATE OR REPLACE FUNCTION starling_credentials_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('starling_credentials', '');
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER api_keys_changed AFTER UPDATE OR DELETE ON api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION starling_credentials_changed()`.execute(db);
  await sql`
    CREATE TRIGGER accounts_deleted AFTER DELETE ON accounts
    FOR EACH STATEMENT EXECUTE FUNCTION starling_credentials_changed()`.execute(db);
  // Every column but the balance's, whatever columns later migrations add.
  await sql`
    CREATE TRIGGER accounts_changed AFTER UPDATE ON accounts FOR EACH ROW
    WHEN ((to_jsonb(OLD) - 'balance_micros' - 'balance_changed_at')
          IS DISTINCT FROM (to_jsonb(NEW) - 'balance_micros' - 'balance_changed_at'))
    EXECUTE FUNCTION starling_credentials_changed()`.execute(db);
}
