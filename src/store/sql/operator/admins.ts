/** Console operators and their sessions. */
import type { Admin, AdminStore } from "../../ports/operator.js";
import type { Db } from "../db.js";
import type { AdminsTable } from "./schema.js";

function toAdmin(r: Omit<AdminsTable, "id"> & { id: number }): Admin {
  return {
    id: Number(r.id),
    name: r.name,
    passwordHash: r.password_hash,
    failedLogins: Number(r.failed_logins),
    lockedUntil: r.locked_until === null ? null : Number(r.locked_until),
    createdAt: Number(r.created_at),
  };
}

export function sqlAdminStore({ kysely }: Db): AdminStore {
  return {
    async create(name, passwordHash, now) {
      const taken = await kysely
        .selectFrom("admins")
        .select("id")
        .where("name", "=", name)
        .executeTakeFirst();
      if (taken) return undefined;
      const row = await kysely
        .insertInto("admins")
        .values({ name, password_hash: passwordHash, failed_logins: 0, locked_until: null, created_at: now })
        .onConflict((oc) => oc.column("name").doNothing())
        .returningAll()
        .executeTakeFirst();
      return row && toAdmin(row);
    },
    async findByName(name) {
      const row = await kysely.selectFrom("admins").selectAll().where("name", "=", name).executeTakeFirst();
      return row && toAdmin(row);
    },
    async list() {
      const rows = await kysely.selectFrom("admins").selectAll().orderBy("id").execute();
      return rows.map(toAdmin);
    },
    async setPassword(id, passwordHash) {
      await kysely
        .updateTable("admins")
        .set({ password_hash: passwordHash, failed_logins: 0, locked_until: null })
        .where("id", "=", id)
        .execute();
    },
    async loginFailed(id, lockUntil) {
      await kysely
        .updateTable("admins")
        .set((eb) => ({
          failed_logins: lockUntil === null ? eb("failed_logins", "+", 1) : 0,
          locked_until: lockUntil,
        }))
        .where("id", "=", id)
        .execute();
    },
    async loginSucceeded(id) {
      await kysely
        .updateTable("admins")
        .set({ failed_logins: 0, locked_until: null })
        .where("id", "=", id)
        .execute();
    },
    async createSession(tokenHash, adminId, csrfToken, expiresAt, now) {
      // Expired sessions go when a new one starts: the table never grows past the live ones by much.
      await kysely.deleteFrom("admin_sessions").where("expires_at", "<=", now).execute();
      await kysely
        .insertInto("admin_sessions")
        .values({
          token_hash: tokenHash,
          admin_id: adminId,
          csrf_token: csrfToken,
          created_at: now,
          expires_at: expiresAt,
        })
        .execute();
    },
    async session(tokenHash, now) {
      const row = await kysely
        .selectFrom("admin_sessions")
        .innerJoin("admins", "admins.id", "admin_sessions.admin_id")
        .selectAll("admins")
        .select(["admin_sessions.csrf_token", "admin_sessions.expires_at"])
        .where("admin_sessions.token_hash", "=", tokenHash)
        .where("admin_sessions.expires_at", ">", now)
        .executeTakeFirst();
      if (!row) return undefined;
      return { admin: toAdmin(row), csrfToken: row.csrf_token, expiresAt: Number(row.expires_at) };
    },
    async deleteSession(tokenHash) {
      await kysely.deleteFrom("admin_sessions").where("token_hash", "=", tokenHash).execute();
    },
    async deleteSessionsOf(adminId) {
      await kysely.deleteFrom("admin_sessions").where("admin_id", "=", adminId).execute();
    },
  };
}
