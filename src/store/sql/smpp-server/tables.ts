/** The SMPP server's tables (migration 010) as Kysely sees them. */
import type { Kysely } from "kysely";
import type { Database } from "../db.js";

export interface SmppServerTables {
  smpp_credentials: { system_id: string; key_id: number; password_hash: string; created_at: number };
  smpp_messages: {
    message_uuid: string;
    account_id: number;
    registered_delivery: number;
    source_ton: number;
    source_npi: number;
    source_addr: string;
    dest_ton: number;
    dest_npi: number;
    dest_addr: string;
    valid_until: number;
    created_at: number;
  };
  smpp_outbox: {
    id: number | undefined;
    account_id: number;
    kind: string;
    body: string;
    created_at: number;
    expires_at: number;
    lease_until: number;
    attempts: number;
  };
}

export type SmppDb = Kysely<Database & SmppServerTables>;

/** A receipt outlives its message's validity by at least this long, so a bind that comes back soon gets it. */
export const RECEIPT_MIN_KEEP_MS = 3600_000;
