/** Account numbers, sender IDs and templates: small per-account catalogues the operator manages. */
import type {
  AccountNumber,
  MessageTemplate,
  NumberStore,
  SenderId,
  SenderIdStatus,
  SenderIdStore,
  TemplateStore,
} from "../../ports/index.js";
import type { Db } from "../db.js";
import type { AccountNumbersTable, MessageTemplatesTable, SenderIdsTable } from "./schema.js";

type Row<T> = Omit<T, "id"> & { id: number };

const toNumber = (r: Row<AccountNumbersTable>): AccountNumber => ({
  id: Number(r.id),
  accountId: Number(r.account_id),
  number: r.number,
  country: r.country,
  createdAt: Number(r.created_at),
});

const toSenderId = (r: Row<SenderIdsTable>): SenderId => ({
  id: Number(r.id),
  accountId: Number(r.account_id),
  name: r.name,
  status: r.status as SenderIdStatus,
  createdAt: Number(r.created_at),
  decidedAt: r.decided_at === null ? null : Number(r.decided_at),
});

const toTemplate = (r: Row<MessageTemplatesTable>): MessageTemplate => ({
  id: Number(r.id),
  accountId: Number(r.account_id),
  name: r.name,
  content: r.content,
  createdAt: Number(r.created_at),
});

export function sqlNumberStore({ kysely }: Db): NumberStore {
  return {
    async add(accountId, number, country, now) {
      const row = await kysely
        .insertInto("account_numbers")
        .values({ account_id: accountId, number, country, created_at: now })
        .onConflict((oc) => oc.column("number").doNothing())
        .returningAll()
        .executeTakeFirst();
      return row ? toNumber(row) : "taken";
    },
    async list(accountId) {
      const rows = await kysely
        .selectFrom("account_numbers")
        .selectAll()
        .where("account_id", "=", accountId)
        .orderBy("id")
        .execute();
      return rows.map(toNumber);
    },
    async remove(accountId, number) {
      const result = await kysely
        .deleteFrom("account_numbers")
        .where("account_id", "=", accountId)
        .where("number", "=", number)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async find(number) {
      const row = await kysely.selectFrom("account_numbers").selectAll().where("number", "=", number).executeTakeFirst();
      return row && toNumber(row);
    },
  };
}

export function sqlSenderIdStore({ kysely }: Db): SenderIdStore {
  const byName = (accountId: number, name: string) =>
    kysely
      .selectFrom("sender_ids")
      .selectAll()
      .where("account_id", "=", accountId)
      .where("name", "=", name)
      .executeTakeFirst();
  return {
    async request(accountId, name, now) {
      await kysely
        .insertInto("sender_ids")
        .values({ account_id: accountId, name, status: "pending", created_at: now, decided_at: null })
        .onConflict((oc) => oc.columns(["account_id", "name"]).doNothing())
        .execute();
      return toSenderId((await byName(accountId, name))!);
    },
    async decide(id, status, now) {
      const row = await kysely
        .updateTable("sender_ids")
        .set({ status, decided_at: now })
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirst();
      return row && toSenderId(row);
    },
    async list(accountId, status) {
      let query = kysely.selectFrom("sender_ids").selectAll().where("account_id", "=", accountId);
      if (status) query = query.where("status", "=", status);
      return (await query.orderBy("id").execute()).map(toSenderId);
    },
    async isApproved(accountId, name) {
      const row = await byName(accountId, name);
      return row?.status === "approved";
    },
  };
}

export function sqlTemplateStore({ kysely }: Db): TemplateStore {
  return {
    async create(accountId, name, content, now) {
      const row = await kysely
        .insertInto("message_templates")
        .values({ account_id: accountId, name, content, created_at: now })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toTemplate(row);
    },
    async get(accountId, id) {
      const row = await kysely
        .selectFrom("message_templates")
        .selectAll()
        .where("id", "=", id)
        .where("account_id", "=", accountId)
        .executeTakeFirst();
      return row && toTemplate(row);
    },
    async list(accountId) {
      const rows = await kysely
        .selectFrom("message_templates")
        .selectAll()
        .where("account_id", "=", accountId)
        .orderBy("id")
        .execute();
      return rows.map(toTemplate);
    },
  };
}
