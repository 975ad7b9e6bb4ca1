/**
 * The SMPP server's tables (migration 010), and the hook that turns a message's final status into a
 * receipt for its ESME inside the same transaction as the status change (like the webhook outbox).
 */
import type { Kysely, Transaction } from "kysely";
import type { DeliveryEvent } from "../../core/delivery/state.js";
import { Dlr, Status } from "../../core/message.js";
import type {
  SmppInboundBody,
  SmppOutboxItem,
  SmppReceiptBody,
  SmppServerStore,
  SmppSubmitRecord,
} from "../ports/smpp-server.js";
import { insertRows, paddedChunks } from "./bulk.js";
import type { Database, Db } from "./db.js";
import { GroupCommit } from "./group-commit.js";

interface SmppServerTables {
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

type SmppDb = Kysely<Database & SmppServerTables>;

/** A receipt outlives its message's validity by at least this long, so a bind that comes back soon gets it. */
const RECEIPT_MIN_KEEP_MS = 3600_000;

/** The stat of a final message: rejected before reaching a network vs. not delivered by it. */
function statOf(dlrCode: number, statusCode: number): string {
  if (dlrCode === Dlr.DELIVERED) return "DELIVRD";
  if (dlrCode === Dlr.EXPIRED) return "EXPIRED";
  return statusCode === Status.TRANSMITTED ? "UNDELIV" : "REJECTD";
}

/**
 * Called with the domain events of a delivery transaction: a final status of a message submitted over SMPP
 * with registered_delivery queues its receipt, and the receipt request is dropped (the receipt holds it now).
 */
export async function queueSmppReceipts(
  trx: Transaction<Database>,
  events: readonly DeliveryEvent[],
): Promise<void> {
  const finals = new Map<string, { dlr: number; status: number; now: number }>();
  for (const e of events) {
    if (e.dlrCode === Dlr.DELIVERED || e.dlrCode === Dlr.EXPIRED || e.dlrCode === Dlr.REJECTED)
      finals.set(e.message.uuid, { dlr: e.dlrCode, status: e.statusCode, now: e.at });
  }
  if (finals.size === 0) return;
  const db = trx as unknown as SmppDb;
  for (const chunk of paddedChunks([...finals.keys()])) {
    const rows = await db
      .selectFrom("smpp_messages as s")
      .innerJoin("messages as m", "m.uuid", "s.message_uuid")
      .selectAll("s")
      .select(["m.created_at as submitted_at", "m.text as text"])
      .where("s.message_uuid", "in", chunk)
      .execute();
    if (rows.length === 0) continue;
    const outbox = rows.flatMap((r) => {
      const final = finals.get(r.message_uuid)!;
      const wanted = Number(r.registered_delivery) & 3;
      if (wanted === 0 || (wanted === 2 && final.dlr === Dlr.DELIVERED)) return [];
      const body: SmppReceiptBody = {
        id: r.message_uuid,
        stat: statOf(final.dlr, final.status),
        err: final.dlr === Dlr.DELIVERED ? 0 : final.status === Status.TRANSMITTED ? 1 : final.status % 1000,
        submittedAt: Number(r.submitted_at),
        doneAt: final.now,
        text: (r.text ?? "").slice(0, 20),
        handset: { ton: Number(r.dest_ton), npi: Number(r.dest_npi), addr: r.dest_addr },
        esme: { ton: Number(r.source_ton), npi: Number(r.source_npi), addr: r.source_addr },
      };
      return [
        {
          account_id: Number(r.account_id),
          kind: "receipt",
          body: JSON.stringify(body),
          created_at: final.now,
          expires_at: Math.max(Number(r.valid_until), final.now + RECEIPT_MIN_KEEP_MS),
          lease_until: 0,
          attempts: 0,
        },
      ];
    });
    if (outbox.length > 0) await db.insertInto("smpp_outbox").values(outbox).execute();
    await db
      .deleteFrom("smpp_messages")
      .where(
        "message_uuid",
        "in",
        rows.map((r) => r.message_uuid),
      )
      .execute();
  }
}

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

export function sqlSmppServerStore({ kysely }: Db): SmppServerStore {
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
