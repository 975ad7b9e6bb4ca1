/** FullSMS test fixtures: the seed's account (number 441111111111, sender ID COPERATO, a template, a list). */
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
