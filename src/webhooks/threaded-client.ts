/**
 * The webhook HTTP client on its own thread. Posting is CPU work the delivery loop should not do: request
 * and response parsing for two events per message (and TLS for https receivers) was ~15% of the delivery
 * stage on the one event loop that also serves the API and the SMPP sessions. The thread holds no store
 * connection — claiming and recording stay on the main thread — so it adds no SQLite writer.
 */
import { Worker } from "node:worker_threads";
import type { PostAnswer, PostRequest } from "./sender-thread.js";

export interface WebhookPoster {
  post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<number>;
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
    // Referenced only while posts are pending: an idle sender never keeps the process alive on its own.
    worker.unref();
    worker.on("message", (answer: PostAnswer) => {
      const waiter = this.pending.get(answer.id);
      if (!waiter) return;
      this.pending.delete(answer.id);
      if (this.pending.size === 0) worker.unref();
      if ("status" in answer) waiter.resolve(answer.status);
      else waiter.reject(new Error(answer.error));
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
    });
    return worker;
  }

  post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<number> {
    if (this.closed) return Promise.reject(new Error("webhook sender closed"));
    this.worker ??= this.spawn();
    const worker = this.worker;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) worker.ref();
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, url, headers, body, timeoutMs } satisfies PostRequest);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    worker.ref();
    worker.postMessage("close");
    await exited;
  }
}
