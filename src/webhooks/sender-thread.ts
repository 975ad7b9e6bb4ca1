/**
 * Entry point of the webhook sender thread: runs a WebhookClient and answers each POST request the main
 * thread sends it with the response status or the error. See threaded-client.ts.
 */
import { parentPort, workerData } from "node:worker_threads";
import { trimHeapWhenIdle } from "../runtime/idle-heap-trim.js";
import { WebhookClient } from "./http.js";

export interface PostRequest {
  id: number;
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export type PostAnswer = { id: number; status: number } | { id: number; error: string };

const port = parentPort;
if (!port) throw new Error("sender-thread.ts runs only as a worker thread");
// This thread has its own V8 heap: after a drain it would keep its high-water mark too.
trimHeapWhenIdle();
const client = new WebhookClient((workerData as { socketsPerOrigin: number }).socketsPerOrigin);

let inFlight = 0;
let closing = false;
// Posts already taken are answered before the thread goes, so none is reported lost while it was sent.
const finishIfDone = () => {
  if (!closing || inFlight > 0) return;
  client.close();
  port.close();
};

port.on("message", (request: PostRequest | "close") => {
  if (request === "close") {
    closing = true;
    finishIfDone();
    return;
  }
  inFlight++;
  client
    .post(request.url, request.headers, request.body, request.timeoutMs)
    .then(
      (status) => port.postMessage({ id: request.id, status } satisfies PostAnswer),
      (error: Error) => port.postMessage({ id: request.id, error: error.message } satisfies PostAnswer),
    )
    .finally(() => {
      inFlight--;
      finishIfDone();
    });
});
