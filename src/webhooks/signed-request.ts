/**
 * The POST an event becomes: its JSON body (event.ts's fields, `data` spliced in as stored, so it is not
 * serialised twice) and its signed headers. Built on the sender thread when there is one, so the main
 * thread neither serialises nor signs (issue 12); in the loop otherwise.
 */
import { API_VERSION } from "./event.js";
import { sign } from "./signature.js";

/** What the sender needs to build one event's POST: plain data, cheap to pass to a thread. */
export interface EventPost {
  url: string;
  /** The outbox row's id (the body's `notification_task_id`). */
  id: string;
  eventId: string;
  name: string;
  /** unix ms */
  createdAt: number;
  attempts: number;
  maxAttempts: number;
  /** `data` as JSON. */
  dataJson: string;
  accountId: number;
  timeoutMs: number;
  /** When the attempt starts (unix ms): the signature's timestamp. */
  at: number;
}

/** The body, byte for byte `JSON.stringify(eventBody(item, maxAttempts))`. */
export function eventJson(e: EventPost): string {
  const head = JSON.stringify({
    id: e.eventId,
    api_version: API_VERSION,
    name: e.name,
    created_at: Math.floor(e.createdAt / 1000),
    attempt_total: e.maxAttempts,
    attempt_number: e.attempts + 1,
    notification_task_id: e.id,
  });
  return `${head.slice(0, -1)},"data":${e.dataJson}}`;
}

export function signedRequest(
  e: EventPost,
  secret: string,
): { headers: Record<string, string>; body: string } {
  const body = eventJson(e);
  return {
    body,
    headers: {
      "content-type": "application/json",
      "user-agent": "Starling-Webhooks/1",
      "x-starling-event": e.name,
      "x-starling-signature": sign(secret, Math.floor(e.at / 1000), body),
    },
  };
}
