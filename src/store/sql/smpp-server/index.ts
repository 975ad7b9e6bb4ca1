/**
 * The SMPP server's store (migration 010): logins, receipt requests, and the outbox of deliver_sm waiting
 * for a customer's bind. The receipt hook and the validity expiry are in receipts.ts.
 */
import type {
  SmppInboundBody,
  SmppOutboxItem,
  SmppReceiptBody,
  SmppServerStore,
  SmppSubmitRecord,
} from "../../ports/smpp-server.js";
import { neutralWebhook, type WebhookRenderer } from "../../ports/index.js";
import { insertRows, paddedChunks } from "../bulk.js";
import type { Db } from "../db.js";
import { GroupCommit } from "../group-commit.js";
import { expireUnsent } from "./receipts.js";
import { RECEIPT_MIN_KEEP_MS, type SmppDb } from "./tables.js";

function itemOf(row: {
  id: unknown;
  account_id: unknown;
  kind: string;
  body: string;
  attempts: unknown;
}): SmppOutboxItem {
  const base = { id: Number(row.id), accountId: Number(row.account_id), attempts: Number(row.attempts) };
  return row.kind === "inbound"
    ? { ...base, kind: "inbound", body: JSON.parse(row.body) as SmppInboundBody }
    : { ...base, kind: "receipt", body: JSON.parse(row.body) as SmppReceiptBody };
}

export function sqlSmppServerStore(
  { kysely, dialect }: Db,
  render: WebhookRenderer = neutralWebhook,
): SmppServerStore {
  const db = kysely as unknown as SmppDb;
  // Receipt requests of concurrent submits share one transaction (one fsync), like acceptance itself.
  const submits = new GroupCommit<SmppSubmitRecord, void>(async (records) => {
    await kysely.transaction().execute((trx) =>
      insertRows(
        trx,
        "smpp_messages (message_uuid, account_id, registered_delivery, source_ton, source_npi, source_addr, " +
          "dest_ton, dest_npi, dest_addr, valid_until, created_at)",
        "v.column1, CAST(v.column2 AS bigint), CAST(v.column3 AS integer), CAST(v.column4 AS integer), " +
          "CAST(v.column5 AS integer), v.column6, CAST(v.column7 AS integer), CAST(v.column8 AS integer), v.column9, " +
          "CAST(v.column10 AS bigint), CAST(v.column11 AS bigint)",
        records.map((r) => [
          r.messageUuid,
          r.accountId,
          r.registeredDelivery,
          r.source.ton,
          r.source.npi,
          r.source.addr,
          r.dest.ton,
          r.dest.npi,
          r.dest.addr,
          r.validUntil,
          r.createdAt,
        ]),
      ),
    );
    return records.map(() => undefined);
  });
  return {
    async setCredential(keyId, systemId, passwordHash, now) {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom("smpp_credentials").where("key_id", "=", keyId).execute();
        await trx
          .insertInto("smpp_credentials")
          .values({ system_id: systemId, key_id: keyId, password_hash: passwordHash, created_at: now })
          .execute();
      });
    },
    async findLogin(systemId) {
      const row = await db
        .selectFrom("smpp_credentials")
        .select(["key_id", "password_hash"])
        .where("system_id", "=", systemId)
        .executeTakeFirst();
      return row && { keyId: Number(row.key_id), passwordHash: row.password_hash };
    },
    async hasLogin(accountId) {
      const row = await db
        .selectFrom("smpp_credentials as c")
        .innerJoin("api_keys as k", "k.id", "c.key_id")
        .select("c.system_id")
        .where("k.account_id", "=", accountId)
        .where("k.revoked_at", "is", null)
        .executeTakeFirst();
      return row !== undefined;
    },
    recordSubmit(record) {
      return submits.submit(record);
    },
    async forgetSubmit(messageUuid) {
      await db.deleteFrom("smpp_messages").where("message_uuid", "=", messageUuid).execute();
    },
    async addInbound(accountId, body, now, expiresAt) {
      await db
        .insertInto("smpp_outbox")
        .values({
          account_id: accountId,
          kind: "inbound",
          body: JSON.stringify(body),
          created_at: now,
          expires_at: expiresAt,
          lease_until: 0,
          attempts: 0,
        })
        .execute();
    },
    async claim(accountIds, now, limit, leaseMs) {
      if (accountIds.length === 0) return [];
      // The lease condition is checked again by the UPDATE, so two processes never both take a row.
      return db.transaction().execute(async (trx) => {
        const due = await trx
          .selectFrom("smpp_outbox")
          .select("id")
          .where("account_id", "in", [...accountIds])
          .where("lease_until", "<=", now)
          .where("expires_at", ">", now)
          .orderBy("id")
          .limit(limit)
          .execute();
        if (due.length === 0) return [];
        const rows = await trx
          .updateTable("smpp_outbox")
          .set((eb) => ({ lease_until: now + leaseMs, attempts: eb("attempts", "+", 1) }))
          .where(
            "id",
            "in",
            due.map((r) => Number(r.id)),
          )
          .where("lease_until", "<=", now)
          .returning(["id", "account_id", "kind", "body", "attempts"])
          .execute();
        return rows.map(itemOf).sort((a, b) => a.id - b.id);
      });
    },
    async remove(ids) {
      for (const chunk of paddedChunks(ids))
        await db.deleteFrom("smpp_outbox").where("id", "in", chunk).execute();
    },
    async release(ids, at) {
      for (const chunk of paddedChunks(ids))
        await db.updateTable("smpp_outbox").set({ lease_until: at }).where("id", "in", chunk).execute();
    },
    expireUnsent(now, limit) {
      return expireUnsent(kysely, dialect, render, now, limit);
    },
    async purge(now) {
      const a = await db.deleteFrom("smpp_outbox").where("expires_at", "<=", now).executeTakeFirst();
      // A receipt request whose message never became final within its validity (or was never accepted).
      const b = await db
        .deleteFrom("smpp_messages")
        .where("valid_until", "<", now - RECEIPT_MIN_KEEP_MS)
        .executeTakeFirst();
      return Number(a.numDeletedRows) + Number(b.numDeletedRows);
    },
  };
}
