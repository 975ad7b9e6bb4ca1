/** FullSMS test fixtures: the seed's account (number 441111111111, sender ID COPERATO, a template, a list). */
import Database from "better-sqlite3";
import pg from "pg";
import { decideSenderId, addNumber, createTemplate, requestSenderId } from "../../src/app/fullsms/manage-catalogue.js";
import { createList } from "../../src/app/fullsms/manage-lists.js";
import { type HttpResult, http, type TestGateway } from "./gateway.js";

/** The FullSMS spelling of a token: `<key_id>|<secret>`. */
export const bearer = (token: string) => ({ Authorization: `Bearer ${token.replace(":", "|")}` });

export interface SeedAccount {
  templateId: number;
  listId: number;
}

/** What the seed's examples assume exists on the account. */
export async function seedAccount(gw: TestGateway, accountId = gw.accountId, number = "441111111111"): Promise<SeedAccount> {
  const deps = gw.gateway.deps;
  await addNumber(deps, accountId, number, "GB");
  const sender = await requestSenderId(deps, accountId, "COPERATO");
  await decideSenderId(deps, sender.id, true);
  const template = await createTemplate(deps, accountId, "yourTemplateName", "Hello World");
  const list = await createList(deps, accountId, "yourlistName");
  return { templateId: template.id, listId: list.id };
}

/** `n` valid German mobile numbers in phone order, starting at `from`. */
export const germanMobiles = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => `+49151${String(from + i).padStart(8, "0")}`);

export interface FullsmsClient {
  headers: Record<string, string>;
  get(path: string): Promise<HttpResult>;
  post(path: string, body: unknown): Promise<HttpResult>;
}

export function fullsmsClient(gw: TestGateway, token = gw.token): FullsmsClient {
  const headers = { ...bearer(token), Accept: "application/json" };
  return {
    headers,
    get: (path) => http(gw.url, "GET", path, { headers }),
    post: (path, body) => http(gw.url, "POST", path, { body, headers }),
  };
}

/** "YYYY-MM-DD HH:MM:SS" of an instant in a time zone (for send_at). */
export function wallClock(ms: number, timeZone = "UTC"): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

/**
 * Messages of a campaign and their distinct phones, counted by SQL on a connection of its own (the
 * Store port has no such query, and paging 100,000 rows through it would be slow).
 */
export async function countCampaign(gw: TestGateway, campaignId: string): Promise<{ messages: number; phones: number }> {
  const url = gw.gateway.config.database.url;
  const query = "SELECT COUNT(*) AS messages, COUNT(DISTINCT phone) AS phones FROM messages WHERE bulk_id = ";
  if (url.startsWith("postgres")) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query(`${query}$1`, [campaignId]);
      return { messages: Number(rows[0].messages), phones: Number(rows[0].phones) };
    } finally {
      await client.end();
    }
  }
  const db = new Database(url.replace(/^sqlite:(\/\/)?/, ""), { readonly: true });
  try {
    const row = db.prepare(`${query}?`).get(campaignId) as { messages: number; phones: number };
    return { messages: Number(row.messages), phones: Number(row.phones) };
  } finally {
    db.close();
  }
}
