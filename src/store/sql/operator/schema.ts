import type { Generated } from "kysely";

export interface AdminsTable {
  id: Generated<number>;
  name: string;
  password_hash: string;
  failed_logins: number;
  locked_until: number | null;
  created_at: number;
}

export interface AdminSessionsTable {
  token_hash: string;
  admin_id: number;
  csrf_token: string;
  created_at: number;
  expires_at: number;
}

export interface AdminTables {
  admins: AdminsTable;
  admin_sessions: AdminSessionsTable;
}
