/**
 * The webhook HTTP client on its own thread. Posting is CPU work the delivery loop should not do: request
 * and response parsing for two events per message (and TLS for https receivers) was ~15% of the delivery
 * stage on the one event loop that also serves the API and the SMPP sessions. The thread also builds and
 * signs each event's body (`postEvent`), and posts travel in batches: one message to the thread per turn of
 * the loop, one back per turn of the thread's loop, instead of one each way per event (issue 12). The thread
 * holds no store connection — claiming and recording stay on the main thread — so it adds no SQLite writer.
 */
import { Worker } from "node:worker_threads";
import type { Batch, PostAnswer, Request } from "./sender-thread.js";
import type { EventPost } from "./signed-request.js";

export interface WebhookPoster {
  post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<number>;
  /** Builds, signs and posts an event where the client runs; the dispatcher does it itself without this. */
  postEvent?(event: EventPost, secret: string): Promise<number>;
  close(): void | Promise<void>;
}

/**
 * The thread's young generation. V8's default (two 16 MB semi-spaces) kept ~45 MB committed for a thread
 * whose live heap is a few MB, and kept it after the drain; 16 MB here (semi-spaces of ~5 MB) measured no
 * slower, as what the thread allocates per post dies young either way. The old generation is unbounded as
 * before: a thread killed by a heap limit would fail every post in flight.
 */
export const SENDER_THREAD_LIMITS = { maxYoungGenerationSizeMb: 16 } as const;

type Waiter = { resolve: (status: number) => void; reject: (e: Error) => void };

export class ThreadedWebhookClient implements WebhookPoster {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Waiter>();
  /** Requests not yet passed to the thread: sent together once the current turn of the loop is over. */
  private outgoing: Request[] = [];
  /** Secrets the thread has (by account), so each is passed once per thread, not with every event. */
  private secretsSent = new Map<number, string>();
  private secretsToSend: [number, string][] = [];
  private flushScheduled = false;
  private nextId = 0;
  private closed = false;

  constructor(private readonly socketsPerOrigin: number) {
    this.worker = this.spawn();
  }

  private spawn(): Worker {
    const worker = new Worker(new URL("./sender-thread-boot.mjs", import.meta.url), {
      workerData: { socketsPerOrigin: this.socketsPerOrigin },
      resourceLimits: SENDER_THREAD_LIMITS,
    });
    this.secretsSent = new Map();
    // Referenced only while posts are pending: an idle sender never keeps the process alive on its own.
    worker.unref();
    worker.on("message", (answers: PostAnswer[]) => {
      for (const answer of answers) {
        const waiter = this.pending.get(answer.id);
        if (!waiter) continue;
        this.pending.delete(answer.id);
        if ("status" in answer) waiter.resolve(answer.status);
        else waiter.reject(new Error(answer.error));
      }
      if (this.pending.size === 0) worker.unref();
    });
    // A thread that dies takes its pending posts with it (they fail and are retried like any failed
    // attempt); the next post starts a new thread.
    let failure: Error | undefined;
    worker.on("error", (error) => {
      failure ??= error;
    });
    worker.on("exit", (code) => {
      if (this.worker === worker) this.worker = undefined;
      const error = failure ?? new Error(`webhook sender thread exited (${code})`);
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
      this.outgoing = [];
      this.secretsToSend = [];
    });
    return worker;
  }

  post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<number> {
    return this.send((id) => ({ id, url, headers, body, timeoutMs }));
  }

  postEvent(event: EventPost, secret: string): Promise<number> {
    return this.send((id) => {
      if (this.secretsSent.get(event.accountId) !== secret) {
        this.secretsSent.set(event.accountId, secret);
        this.secretsToSend.push([event.accountId, secret]);
      }
      return { id, event };
    });
  }

  private send(request: (id: number) => Request): Promise<number> {
    if (this.closed) return Promise.reject(new Error("webhook sender closed"));
    this.worker ??= this.spawn();
    const worker = this.worker;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) worker.ref();
      this.pending.set(id, { resolve, reject });
      this.outgoing.push(request(id));
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    // The thread the requests were made for may have died meanwhile (its waiters were failed then).
    const worker = this.worker;
    if (!worker || this.outgoing.length === 0) return;
    const batch: Batch = { secrets: this.secretsToSend, requests: this.outgoing };
    this.outgoing = [];
    this.secretsToSend = [];
    worker.postMessage(batch);
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    worker.ref();
    // Requests still waiting for this turn's batch go first: messages to the thread arrive in order.
    this.flush();
    worker.postMessage("close");
    await exited;
  }
}
