/** Campaign rows: what to send, and how far expansion got (status, cursor, counts, lease). */
import type { Campaign, CampaignKind, CampaignStatus, CampaignStore } from "../../ports/index.js";
import type { PriorityLane } from "../../../core/message.js";
import type { Db } from "../db.js";
import type { CampaignsTable } from "./schema.js";

export function toCampaign(r: CampaignsTable): Campaign {
  return {
    id: r.id,
    accountId: Number(r.account_id),
    keyId: r.key_id === null ? null : Number(r.key_id),
    kind: r.kind as CampaignKind,
    sender: r.sender,
    text: r.text,
    templateId: r.template_id === null ? null : Number(r.template_id),
    listIds: r.list_ids ? r.list_ids.split(",").map(Number) : [],
    deliverAt: Number(r.deliver_at),
    shortenLinks: r.shorten_links === 1,
    linkBase: r.link_base,
    priority: r.priority as PriorityLane,
    ip: r.ip,
    status: r.status as CampaignStatus,
    cursor: r.cursor,
    enqueued: Number(r.enqueued),
    skipped: Number(r.skipped),
    debitedMicros: Number(r.debited_micros),
    failureReason: r.failure_reason,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    finishedAt: r.finished_at === null ? null : Number(r.finished_at),
  };
}

export function sqlCampaignStore({ kysely }: Db): CampaignStore {
  return {
    async create(c, progress = {}) {
      await kysely
        .insertInto("campaigns")
        .values({
          id: c.id,
          account_id: c.accountId,
          key_id: c.keyId,
          kind: c.kind,
          sender: c.sender,
          text: c.text,
          template_id: c.templateId,
          list_ids: c.listIds.length > 0 ? c.listIds.join(",") : null,
          deliver_at: c.deliverAt,
          shorten_links: c.shortenLinks ? 1 : 0,
          link_base: c.linkBase,
          priority: c.priority,
          ip: c.ip,
          status: c.status,
          cursor: progress.cursor ?? null,
          enqueued: progress.enqueued ?? 0,
          skipped: progress.skipped ?? 0,
          debited_micros: progress.debitedMicros ?? 0,
          failure_reason: null,
          lease_owner: null,
          lease_until: null,
          created_at: c.createdAt,
          updated_at: c.createdAt,
          finished_at: c.status === "expanding" ? null : c.createdAt,
        })
        .execute();
    },

    async get(accountId, id) {
      const row = await kysely
        .selectFrom("campaigns")
        .selectAll()
        .where("id", "=", id)
        .where("account_id", "=", accountId)
        .executeTakeFirst();
      return row && toCampaign(row);
    },

    async getById(id) {
      const row = await kysely.selectFrom("campaigns").selectAll().where("id", "=", id).executeTakeFirst();
      return row && toCampaign(row);
    },

    async claim(id, owner, now, leaseUntil) {
      const result = await kysely
        .updateTable("campaigns")
        .set({ lease_owner: owner, lease_until: leaseUntil })
        .where("id", "=", id)
        .where("status", "=", "expanding")
        .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<=", now), eb("lease_owner", "=", owner)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async progress(id, owner, p, now, leaseUntil) {
      const result = await kysely
        .updateTable("campaigns")
        .set({
          cursor: p.cursor,
          enqueued: p.enqueued,
          skipped: p.skipped,
          debited_micros: p.debitedMicros,
          updated_at: now,
          lease_until: leaseUntil,
        })
        .where("id", "=", id)
        .where("lease_owner", "=", owner)
        .where("status", "=", "expanding")
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async finish(id, status, reason, p, now) {
      await kysely
        .updateTable("campaigns")
        .set({
          status,
          failure_reason: reason,
          cursor: p.cursor,
          enqueued: p.enqueued,
          skipped: p.skipped,
          debited_micros: p.debitedMicros,
          updated_at: now,
          finished_at: now,
          lease_owner: null,
          lease_until: null,
        })
        .where("id", "=", id)
        .execute();
    },

    async expanding() {
      const rows = await kysely
        .selectFrom("campaigns")
        .select(["id", "lease_until"])
        .where("status", "=", "expanding")
        .orderBy("created_at")
        .execute();
      return rows.map((r) => ({ id: r.id, leaseUntil: r.lease_until === null ? null : Number(r.lease_until) }));
    },

    async committed(id) {
      const row = await kysely
        .selectFrom("messages")
        .select((eb) => [
          eb.fn.max("phone").as("last_phone"),
          eb.fn.countAll<number>().as("n"),
          eb.fn.sum<number>("price_micros").as("micros"),
        ])
        .where("bulk_id", "=", id)
        .executeTakeFirstOrThrow();
      return {
        lastPhone: row.last_phone ?? null,
        enqueued: Number(row.n),
        debitedMicros: Number(row.micros ?? 0),
      };
    },
  };
}
