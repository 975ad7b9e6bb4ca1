/**
 * Entry point of the webhook sender thread: runs an undici client (undici-client.ts: a third of
 * node:http's CPU per POST), builds and signs event bodies, and
 * answers each batch of requests from the main thread with the response statuses or errors, gathered per
 * turn of this thread's loop. See threaded-client.ts.
 */
import { parentPort, workerData } from "node:worker_threads";
import { trimHeapWhenIdle } from "../runtime/idle-heap-trim.js";
import { type EventPost, signedRequest } from "./signed-request.js";
import { UndiciWebhookClient } from "./undici-client.js";

/** A ready POST, or an event the thread turns into one. */
export type Request =
  | { id: number; url: string; headers: Record<string, string>; body: string; timeoutMs: number }
  | { id: number; event: EventPost };

/** New account secrets first (each passed once per thread), then the requests. */
export interface Batch {
  secrets: [number, string][];
  requests: Request[];
}

export type PostAnswer = { id: number; status: number } | { id: number; error: string };

const port = parentPort;
if (!port) throw new Error("sender-thread.ts runs only as a worker thread");
// This thread has its own V8 heap: after a drain it would keep its high-water mark too.
trimHeapWhenIdle();
const client = new UndiciWebhookClient((workerData as { socketsPerOrigin: number }).socketsPerOrigin);
const secrets = new Map<number, string>();

let inFlight = 0;
let closing = false;
let answers: PostAnswer[] = [];
const answer = (a: PostAnswer) => {
  if (answers.length === 0) setImmediate(sendAnswers);
  answers.push(a);
};
function sendAnswers() {
  const batch = answers;
  answers = [];
  port!.postMessage(batch);
  finishIfDone();
}
// Posts already taken are answered before the thread goes, so none is reported lost while it was sent.
function finishIfDone() {
  if (!closing || inFlight > 0 || answers.length > 0) return;
  void client.close().finally(() => port!.close());
}

function start(request: Request) {
  let url: string;
  let headers: Record<string, string>;
  let body: string;
  let timeoutMs: number;
  if ("event" in request) {
    ({ headers, body } = signedRequest(request.event, secrets.get(request.event.accountId) ?? ""));
    ({ url, timeoutMs } = request.event);
  } else ({ url, headers, body, timeoutMs } = request);
  inFlight++;
  client
    .post(url, headers, body, timeoutMs)
    .then(
      (status) => answer({ id: request.id, status }),
      (error: Error) => answer({ id: request.id, error: error.message }),
    )
    .finally(() => {
      inFlight--;
      finishIfDone();
    });
}

port.on("message", (message: Batch | "close") => {
  if (message === "close") {
    closing = true;
    finishIfDone();
    return;
  }
  for (const [accountId, secret] of message.secrets) secrets.set(accountId, secret);
  for (const request of message.requests) start(request);
});
