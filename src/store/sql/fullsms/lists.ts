/** Contact lists and their contacts, opt-outs, and the keyset walk that campaign expansion uses. */
import { type ExpressionBuilder, sql } from "kysely";
import type { ContactList, ContactListStore, ContactStore } from "../../ports/index.js";
import type { Database, Db } from "../db.js";
import type { ContactListsTable } from "./schema.js";

const toList = (r: Omit<ContactListsTable, "id"> & { id: number }): ContactList => ({
  id: Number(r.id),
  accountId: Number(r.account_id),
  name: r.name,
  subscribeWord: r.subscribe_word,
  createdAt: Number(r.created_at),
});

/** Contact rows per INSERT: 4 columns, well below SQLite's 32766 bound parameters. */
const CHUNK = 2000;

/** `contacts as c` rows whose phone has not opted out of the account. */
const notOptedOut = (accountId: number) => (eb: ExpressionBuilder<Database & { c: Database["contacts"] }, "c">) =>
  eb.not(
    eb.exists(
      eb
        .selectFrom("opt_outs as o")
        .select(sql.lit(1).as("one"))
        .where("o.account_id", "=", accountId)
        .whereRef("o.phone", "=", "c.phone"),
    ),
  );

export function sqlContactListStore({ kysely }: Db): ContactListStore {
  return {
    async create(accountId, name, subscribeWord, now) {
      const row = await kysely
        .insertInto("contact_lists")
        .values({ account_id: accountId, name, subscribe_word: subscribeWord, created_at: now })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toList(row);
    },
    async get(accountId, id) {
      const row = await kysely
        .selectFrom("contact_lists")
        .selectAll()
        .where("id", "=", id)
        .where("account_id", "=", accountId)
        .executeTakeFirst();
      return row && toList(row);
    },
    async getById(id) {
      const row = await kysely.selectFrom("contact_lists").selectAll().where("id", "=", id).executeTakeFirst();
      return row && toList(row);
    },
    async list(accountId) {
      const rows = await kysely
        .selectFrom("contact_lists as l")
        .selectAll("l")
        .select((eb) =>
          eb
            .selectFrom("contacts as c")
            .select(eb.fn.countAll<number>().as("n"))
            .whereRef("c.list_id", "=", "l.id")
            .where("c.subscribed", "=", 1)
            .where(notOptedOut(accountId))
            .as("subscribed_contacts"),
        )
        .where("l.account_id", "=", accountId)
        .orderBy("l.id")
        .execute();
      return rows.map((r) => ({ ...toList(r), subscribedContacts: Number(r.subscribed_contacts ?? 0) }));
    },
    async existing(accountId, ids) {
      if (ids.length === 0) return new Set();
      const rows = await kysely
        .selectFrom("contact_lists")
        .select("id")
        .where("account_id", "=", accountId)
        .where("id", "in", ids)
        .execute();
      return new Set(rows.map((r) => Number(r.id)));
    },
    async withSubscribeWord(accountId, word) {
      const rows = await kysely
        .selectFrom("contact_lists")
        .selectAll()
        .where("account_id", "=", accountId)
        .where("subscribe_word", "=", word)
        .orderBy("id")
        .execute();
      return rows.map(toList);
    },
  };
}

export function sqlContactStore({ kysely }: Db): ContactStore {
  const listsOf = (accountId: number) =>
    kysely.selectFrom("contact_lists").select("id").where("account_id", "=", accountId);

  return {
    add(listId, phones, now) {
      return kysely.transaction().execute(async (trx) => {
        let added = 0;
        let resubscribed = 0;
        for (let i = 0; i < phones.length; i += CHUNK) {
          const chunk = [...new Set(phones.slice(i, i + CHUNK))];
          const inserted = await trx
            .insertInto("contacts")
            .values(chunk.map((phone) => ({ list_id: listId, phone, subscribed: 1, created_at: now })))
            .onConflict((oc) => oc.columns(["list_id", "phone"]).doNothing())
            .executeTakeFirst();
          added += Number(inserted.numInsertedOrUpdatedRows ?? 0);
          const updated = await trx
            .updateTable("contacts")
            .set({ subscribed: 1 })
            .where("list_id", "=", listId)
            .where("phone", "in", chunk)
            .where("subscribed", "=", 0)
            .executeTakeFirst();
          resubscribed += Number(updated.numUpdatedRows);
        }
        return { added, resubscribed };
      });
    },

    async remove(listId, phone) {
      const result = await kysely
        .deleteFrom("contacts")
        .where("list_id", "=", listId)
        .where("phone", "=", phone)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async nextRecipients(accountId, listIds, after, limit) {
      // One index range scan per list (primary key list_id, phone), each cut at `limit`; their UNION is
      // distinct and its first `limit` phones are the global next page. Memory: lists × limit rows at most.
      const perList = (listId: number) => {
        let query = kysely
          .selectFrom("contacts as c")
          .select("c.phone")
          .where("c.list_id", "=", listId)
          .where("c.subscribed", "=", 1)
          .where(notOptedOut(accountId));
        if (after !== null) query = query.where("c.phone", ">", after);
        return query.orderBy("c.phone").limit(limit);
      };
      const [first, ...rest] = listIds;
      if (first === undefined) return [];
      if (rest.length === 0) return (await perList(first).execute()).map((r) => r.phone);
      let query = kysely.selectFrom(perList(first).as("l")).select("l.phone");
      for (const id of rest) query = query.union(kysely.selectFrom(perList(id).as("l")).select("l.phone"));
      const rows = await query.orderBy("phone").limit(limit).execute();
      return rows.map((r) => r.phone);
    },

    async optOut(accountId, phone, now) {
      await kysely.transaction().execute(async (trx) => {
        await trx
          .insertInto("opt_outs")
          .values({ account_id: accountId, phone, created_at: now })
          .onConflict((oc) => oc.columns(["account_id", "phone"]).doNothing())
          .execute();
        await trx
          .updateTable("contacts")
          .set({ subscribed: 0 })
          .where("phone", "=", phone)
          .where("list_id", "in", listsOf(accountId))
          .execute();
      });
    },

    async clearOptOut(accountId, phone) {
      await kysely.deleteFrom("opt_outs").where("account_id", "=", accountId).where("phone", "=", phone).execute();
    },

    async optedOut(accountId, phones) {
      if (phones.length === 0) return new Set();
      const rows = await kysely
        .selectFrom("opt_outs")
        .select("phone")
        .where("account_id", "=", accountId)
        .where("phone", "in", phones)
        .execute();
      return new Set(rows.map((r) => r.phone));
    },
  };
}
