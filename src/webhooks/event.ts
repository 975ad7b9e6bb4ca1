/** What a webhook POST carries, and how an event is named in order and in logs. */
import type { OutboxItem } from "../store/ports/index.js";

export const API_VERSION = "2022-05-25";

/**
 * Events that must be posted one after another: those of one SMS to one URL. Another URL of the same
 * account has its own order, so a dead receiver does not hold up a healthy one.
 */
export function chainOf(item: OutboxItem): string | undefined {
  const id = (item.data as { id?: unknown } | null)?.id;
  return typeof id === "string" ? `${id}\0${item.url}` : undefined;
}

export function eventBody(item: OutboxItem, maxAttempts: number) {
  return {
    id: item.eventId,
    api_version: API_VERSION,
    name: item.name,
    created_at: Math.floor(item.createdAt / 1000),
    attempt_total: maxAttempts,
    attempt_number: item.attempts + 1,
    notification_task_id: item.id,
    data: item.data,
  };
}
