/** One delivery attempt of a webhook event, and what to record about it. */
import type { OutboxItem, WebhookAttempt, WebhookPost } from "../store/ports/index.js";
import { redactUrl } from "../core/urls.js";
import { type EventPost, signedRequest } from "./signed-request.js";
import type { WebhookPoster } from "./threaded-client.js";

export interface AttemptOptions {
  maxAttempts: number;
  /** The configured timeout, for receivers without their own. */
  timeoutMs: number;
  /** First retry after this; each further one waits 4× longer. */
  baseDelayMs: number;
}

/**
 * Posts the event signed with the account's secret (the client builds and signs it where it runs, on the
 * sender thread, when it can) and says what to record: delivered, retried later, or given up (never rejects).
 */
export async function attempt(
  http: WebhookPoster,
  item: OutboxItem,
  secret: () => Promise<string>,
  options: AttemptOptions,
  now: () => number,
): Promise<WebhookAttempt> {
  const at = now();
  const post: WebhookPost = { at, url: redactUrl(item.url), httpStatus: null, messageUuid: messageOf(item) };
  const event: EventPost = {
    url: item.url,
    id: item.id,
    eventId: item.eventId,
    name: item.name,
    createdAt: item.createdAt,
    attempts: item.attempts,
    maxAttempts: options.maxAttempts,
    dataJson: item.dataJson ?? JSON.stringify(item.data ?? null),
    accountId: item.accountId,
    timeoutMs: item.timeoutMs ?? options.timeoutMs,
    at,
  };
  let error: string;
  try {
    let status: number;
    if (http.postEvent) status = await http.postEvent(event, await secret());
    else {
      const { headers, body } = signedRequest(event, await secret());
      status = await http.post(item.url, headers, body, event.timeoutMs);
    }
    post.httpStatus = status;
    if (status >= 200 && status < 300) return { id: item.id, delivered: true, post };
    error = `HTTP ${status}`;
  } catch (e) {
    error = (e as Error).message;
  }
  const attempts = item.attempts + 1;
  const nextAttemptAt =
    attempts >= options.maxAttempts ? null : now() + options.baseDelayMs * 4 ** (attempts - 1);
  return { id: item.id, delivered: false, attempts, nextAttemptAt, error, post };
}

/** The message an event reports: its data's `id` (as the dialects' delivery events carry it). */
function messageOf(item: OutboxItem): string | null {
  const id = (item.data as { id?: unknown } | null)?.id;
  return typeof id === "string" ? id : null;
}
