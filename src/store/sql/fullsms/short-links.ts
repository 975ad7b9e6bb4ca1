/** Short links (one per URL per message) and the clicks on them. */
import type { LinkClick, ShortLink, ShortLinkStore } from "../../ports/index.js";
import type { Db } from "../db.js";
import type { ShortLinksTable } from "./schema.js";

const toLink = (r: ShortLinksTable): ShortLink => ({
  code: r.code,
  accountId: Number(r.account_id),
  messageUuid: r.message_uuid,
  url: r.url,
  createdAt: Number(r.created_at),
});

/** 5 columns a row: 500 rows stay far below SQLite's bound-parameter limit. */
const CHUNK = 500;

export function sqlShortLinkStore({ kysely }: Db): ShortLinkStore {
  return {
    async createMany(links) {
      for (let i = 0; i < links.length; i += CHUNK) {
        const rows = links.slice(i, i + CHUNK).map((l) => ({
          code: l.code,
          account_id: l.accountId,
          message_uuid: l.messageUuid,
          url: l.url,
          created_at: l.createdAt,
        }));
        await kysely.insertInto("short_links").values(rows).execute();
      }
    },
    async deleteMany(codes) {
      for (let i = 0; i < codes.length; i += CHUNK) {
        await kysely.deleteFrom("short_links").where("code", "in", codes.slice(i, i + CHUNK)).execute();
      }
    },
    async get(code) {
      const row = await kysely.selectFrom("short_links").selectAll().where("code", "=", code).executeTakeFirst();
      return row && toLink(row);
    },
    async recordClick(link, click, now) {
      await kysely
        .insertInto("link_clicks")
        .values({
          code: link.code,
          account_id: link.accountId,
          message_uuid: link.messageUuid,
          ip: click.ip,
          user_agent: click.userAgent,
          referer: click.referer,
          created_at: now,
        })
        .execute();
    },
    async forMessage(accountId, messageUuid) {
      const rows = await kysely
        .selectFrom("short_links")
        .selectAll()
        .where("message_uuid", "=", messageUuid)
        .where("account_id", "=", accountId)
        .orderBy("code")
        .execute();
      return rows.map(toLink);
    },
    async clicks(accountId, messageUuid, page) {
      const base = kysely
        .selectFrom("link_clicks as k")
        .where("k.message_uuid", "=", messageUuid)
        .where("k.account_id", "=", accountId);
      const { n } = await base.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
      const rows = await base
        .innerJoin("short_links as s", "s.code", "k.code")
        .select(["k.id", "k.code", "k.message_uuid", "s.url", "k.ip", "k.user_agent", "k.referer", "k.created_at"])
        .orderBy("k.id")
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      const items: LinkClick[] = rows.map((r) => ({
        id: Number(r.id),
        code: r.code,
        messageUuid: r.message_uuid,
        url: r.url,
        ip: r.ip,
        userAgent: r.user_agent,
        referer: r.referer,
        createdAt: Number(r.created_at),
      }));
      return { items, total: Number(n) };
    },
  };
}
