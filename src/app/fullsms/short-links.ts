/**
 * Short links: every URL of every message gets its own code, so a click tells which message (and so
 * which recipient) it came from. The code is 10 random base62 characters (~59 bits): unguessable, and
 * collisions stay negligible even over hundreds of millions of links.
 */
import { randomBytes } from "node:crypto";
import { type FoundUrl, replaceUrls } from "../../core/urls.js";
import { AppError } from "../../errors.js";
import type { LinkClick } from "../../store/ports/index.js";
import type { AppDeps } from "../deps.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
export const CODE_LENGTH = 10;
export const SHORT_CODE = /^[A-Za-z0-9]{10}$/;

export function newCode(): string {
  let code = "";
  // Rejection sampling keeps every character equally likely (256 is not a multiple of 62).
  while (code.length < CODE_LENGTH) {
    for (const b of randomBytes(16)) {
      if (b < 248 && code.length < CODE_LENGTH) code += ALPHABET[b % 62];
    }
  }
  return code;
}

/** The text with each URL replaced by `${baseUrl}/s/{code}`, and the codes with their targets. */
export function shortenUrls(text: string, urls: FoundUrl[], baseUrl: string): { text: string; links: { code: string; url: string }[] } {
  const links = urls.map((u) => ({ code: newCode(), url: u.target }));
  const base = baseUrl.replace(/\/+$/, "");
  return { text: replaceUrls(text, urls, (_u, i) => `${base}/s/${links[i]!.code}`), links };
}

export interface ClickInfo {
  ip: string | null;
  userAgent: string | null;
  referer: string | null;
}

/** Where the code leads, after recording the click; undefined for an unknown code. */
export async function followShortLink(
  deps: AppDeps,
  code: string,
  click: ClickInfo | null,
): Promise<string | undefined> {
  if (!SHORT_CODE.test(code)) return undefined;
  const link = await deps.store.fullsms.shortLinks.get(code);
  if (!link) return undefined;
  // null: a HEAD request or similar probe, which follows the link without being a reader's click.
  if (click) await deps.store.fullsms.shortLinks.recordClick(link, click, deps.clock.now());
  return link.url;
}

const NOT_FOUND = "Resource not found";

/**
 * The caller's message and its links. Every LOX24 SMS object links to /clicks and /requests, so a message
 * without short links answers zero clicks rather than a 404; another account's message is not found.
 */
async function ownMessageLinks(deps: AppDeps, accountId: number, uuid: string) {
  const message = await deps.store.messages.get(accountId, uuid);
  if (!message) throw new AppError("not_found", NOT_FOUND);
  return { message, links: await deps.store.fullsms.shortLinks.forMessage(accountId, uuid) };
}

const NO_CLICKS = { items: [] as LinkClick[], total: 0 };

/** LOX24 GET /sms/{uuid}/clicks. */
export async function clickSummary(deps: AppDeps, accountId: number, uuid: string) {
  const { message, links } = await ownMessageLinks(deps, accountId, uuid);
  if (links.length === 0) return { uuid, createdAt: message.createdAt, requestsCount: 0 };
  const { total } = await deps.store.fullsms.shortLinks.clicks(accountId, uuid, { offset: 0, limit: 0 });
  return { uuid, createdAt: Math.min(...links.map((l) => l.createdAt)), requestsCount: total };
}

/** LOX24 GET /sms/{uuid}/requests: the clicks themselves, oldest first. */
export async function clickRequests(
  deps: AppDeps,
  accountId: number,
  uuid: string,
  page: { offset: number; limit: number },
): Promise<{ items: LinkClick[]; total: number }> {
  const { links } = await ownMessageLinks(deps, accountId, uuid);
  if (links.length === 0) return NO_CLICKS;
  return deps.store.fullsms.shortLinks.clicks(accountId, uuid, page);
}
