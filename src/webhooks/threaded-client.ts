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

export class ThreadedWebhookClient implements WebhookPoster {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (status: number) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failure: Error | undefined;

  constructor(socketsPerOrigin: number) {
    this.worker = new Worker(new URL("./sender-thread-boot.mjs", import.meta.url), { workerData: { socketsPerOrigin } });
    // Referenced only while posts are pending: an idle sender never keeps the process alive on its own.
    this.worker.unref();
    this.worker.on("message", (answer: PostAnswer) => {
      const waiter = this.pending.get(answer.id);
      if (!waiter) return;
      this.pending.delete(answer.id);
      if (this.pending.size === 0) this.worker.unref();
      if ("status" in answer) waiter.resolve(answer.status);
      else waiter.reject(new Error(answer.error));
    });
    const failAll = (error: Error) => {
      this.failure ??= error;
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    };
    this.worker.on("error", failAll);
    this.worker.on("exit", (code) => failAll(new Error(`webhook sender thread exited (${code})`)));
  }

  post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, url, headers, body, timeoutMs } satisfies PostRequest);
    });
  }

  async close(): Promise<void> {
    if (this.failure) return;
    const exited = new Promise<void>((resolve) => this.worker.once("exit", () => resolve()));
    this.worker.ref();
    this.worker.postMessage("close");
    await exited;
  }
}
