/**
 * Delivers webhook events from the durable outbox: POST, signed, retried with growing intervals until
 * a 2xx or the attempt limit, never on the delivery path (a slow receiver delays only its own events).
 */
import type { Logger } from "pino";
import type { Clock } from "../app/deps.js";
import type { OutboxItem, Store, WebhookAttempt } from "../store/ports/index.js";
import { WebhookClient } from "./http.js";
import { sign } from "./signature.js";
import { ThreadedWebhookClient, type WebhookPoster } from "./threaded-client.js";

export interface WebhookDispatcherOptions {
  maxAttempts: number;
  timeoutMs: number;
  /** First retry after this; each further one waits 4× longer. */
  baseDelayMs: number;
  batchSize?: number;
  pollIntervalMs?: number;
  concurrency?: number;
  /** Send from a worker thread (see threaded-client.ts); in-loop otherwise. */
  senderThread?: boolean;
}

export const API_VERSION = "2022-05-25";

/**
 * Events that must be posted one after another: those of one SMS to one URL. Another URL of the same
 * account has its own order, so a dead receiver does not hold up a healthy one.
 */
function chainOf(item: OutboxItem): string | undefined {
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

/** A claimed event waiting for a worker. */
interface Queued {
  item: OutboxItem;
  /** Settles when the previous queued event of the same message to the same URL has been posted. */
  after: Promise<void> | undefined;
  posted: Promise<void>;
  markPosted: () => void;
}

/**
 * One claimer keeps a queue of leased events topped up; a pool of `concurrency` workers (as many as the
 * HTTP client's sockets per receiver, so no post waits for a socket while its timeout runs) posts them in
 * claim order, and each result is recorded as it comes (the store groups them into one transaction).
 */
export class WebhookDispatcher {
  readonly stats = { delivered: 0, failed: 0, dead: 0 };
  private running = false;
  private claimerDone: Promise<void> | undefined;
  private readonly sleepers = new Set<() => void>();
  private readonly waiting: Queued[] = [];
  /** Claimed and not yet recorded: if a lease lapses meanwhile, this process does not take the event again. */
  private readonly held = new Set<string>();
  /** The latest queued post of each message and URL, which the next event of that pair waits for. */
  private readonly lastOf = new Map<string, Promise<void>>();
  private readonly workersDone = new Set<Promise<void>>();
  /** Workers still taking events from `waiting`. */
  private active = 0;
  private readonly recordings = new Set<Promise<void>>();
  private secrets = new Map<number, string>();
  private readonly http: WebhookPoster;
  private readonly concurrency: number;
  private readonly batch: number;
  /** Claim again once fewer than this many events wait, so the workers never run dry between claims. */
  private readonly lowWater: number;
  private readonly leaseMs: number;

  constructor(
    /** `http` replaces the HTTP client (tests that control when each post answers). */
    private readonly deps: { store: Store; clock: Clock; log: Logger; http?: WebhookPoster },
    private readonly options: WebhookDispatcherOptions,
  ) {
    this.concurrency = options.concurrency ?? 64;
    this.batch = options.batchSize ?? 200;
    this.lowWater = Math.max(1, Math.ceil(this.batch / 2));
    this.http =
      deps.http ??
      (options.senderThread === false ? new WebhookClient(this.concurrency) : new ThreadedWebhookClient(this.concurrency));
    // An event stays leased until its result is recorded. The last of a full queue waits for
    // ceil(queued / concurrency) posts before its own, each up to two timeouts (one resend on a stale
    // connection), plus at most one post of an earlier event of its message. Shorter, and another process
    // could claim and send events this one has not yet recorded.
    const queued = this.batch + this.lowWater;
    this.leaseMs = (Math.ceil(queued / this.concurrency) * 2 + 4) * options.timeoutMs;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.claimerDone = this.claimLoop();
  }

  /**
   * Stops claiming and posting: posts under way finish and are recorded; events still waiting for a worker
   * are given back unsent, so a restart (or another process) sends them at once rather than after their
   * lease, and an unresponsive receiver cannot hold up shutdown for a whole queue of timeouts.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeAll();
    await this.claimerDone;
    const unsent = this.waiting.splice(0).map((queued) => queued.item.id);
    while (this.workersDone.size > 0) await Promise.all(this.workersDone);
    while (this.recordings.size > 0) await Promise.all(this.recordings);
    if (unsent.length > 0) {
      await this.deps.store.webhooks
        .release(unsent)
        .catch((e) => this.deps.log.error({ err: e }, "giving back unsent webhook events failed"));
    }
    for (const id of unsent) this.held.delete(id);
    await this.http.close();
  }

  private wakeAll(): void {
    for (const wake of this.sleepers) wake();
  }

  private sleep(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  private async claimLoop(): Promise<void> {
    const pollMs = this.options.pollIntervalMs ?? 100;
    while (this.running) {
      if (this.waiting.length > 0) this.startWorkers();
      if (this.waiting.length >= this.lowWater) {
        await this.sleep(pollMs); // a worker wakes us when the queue runs low
        continue;
      }
      let items: OutboxItem[] = [];
      try {
        items = await this.deps.store.webhooks.claimDue(this.deps.clock.now(), this.batch, this.leaseMs);
      } catch (error) {
        this.deps.log.error({ err: error }, "claiming webhook events failed");
      }
      const fresh = items.filter((item) => !this.held.has(item.id));
      if (fresh.length === 0) {
        await this.sleep(pollMs);
        continue;
      }
      for (const item of fresh) this.enqueue(item);
      this.startWorkers();
    }
  }

  private enqueue(item: OutboxItem): void {
    this.held.add(item.id);
    let markPosted!: () => void;
    const posted = new Promise<void>((resolve) => {
      markPosted = resolve;
    });
    const chain = chainOf(item);
    const after = chain === undefined ? undefined : this.lastOf.get(chain);
    if (chain !== undefined) this.lastOf.set(chain, posted);
    this.waiting.push({ item, after, posted, markPosted });
  }

  private startWorkers(): void {
    // Every active worker holds an event of its own, so each waiting one may get a new worker.
    const wanted = Math.min(this.concurrency - this.active, this.waiting.length);
    for (let i = 0; i < wanted; i++) {
      const done: Promise<void> = this.work().finally(() => this.workersDone.delete(done));
      this.workersDone.add(done);
    }
  }

  /**
   * Takes events in claim order until none wait. One message's events to one URL are posted one after
   * another: a receiver does not hear "delivered" and then "en route" (a retried event can still arrive
   * after later ones). The earlier event was taken first, so waiting for it costs at most one post.
   */
  private async work(): Promise<void> {
    // Counted here, not by the promise's settling, which comes a step after the last shift(): a claim
    // arriving in between would otherwise see no room for a worker and leave its events waiting.
    this.active++;
    try {
      for (let queued = this.waiting.shift(); queued; queued = this.waiting.shift()) {
        if (this.waiting.length < this.lowWater) this.wakeAll();
        try {
          if (queued.after) await queued.after;
          this.record(await this.deliver(queued.item));
        } finally {
          queued.markPosted();
          const chain = chainOf(queued.item);
          if (chain !== undefined && this.lastOf.get(chain) === queued.posted) this.lastOf.delete(chain);
        }
      }
    } finally {
      this.active--;
    }
  }

  private record(result: WebhookAttempt): void {
    const recording: Promise<void> = this.deps.store.webhooks
      .recordAttempts([result])
      .catch((e) => this.deps.log.error({ err: e }, "recording webhook attempts failed"))
      .finally(() => {
        this.held.delete(result.id);
        this.recordings.delete(recording);
      });
    this.recordings.add(recording);
  }

  private async secretOf(accountId: number): Promise<string> {
    let secret = this.secrets.get(accountId);
    if (secret === undefined) {
      secret = (await this.deps.store.accounts.get(accountId))?.webhookSecret ?? "";
      this.secrets.set(accountId, secret);
    }
    return secret;
  }

  /** One attempt; what to record about it (never rejects). */
  private async deliver(item: OutboxItem): Promise<WebhookAttempt> {
    const { clock } = this.deps;
    const body = JSON.stringify(eventBody(item, this.options.maxAttempts));
    const timestamp = Math.floor(clock.now() / 1000);
    let error: string;
    try {
      const headers = {
        "content-type": "application/json",
        "user-agent": "Starling-Webhooks/1",
        "x-starling-event": item.name,
        "x-starling-signature": sign(await this.secretOf(item.accountId), timestamp, body),
      };
      const status = await this.http.post(item.url, headers, body, this.options.timeoutMs);
      if (status >= 200 && status < 300) {
        this.stats.delivered++;
        return { id: item.id, delivered: true };
      }
      error = `HTTP ${status}`;
    } catch (e) {
      error = (e as Error).message;
    }
    const attempts = item.attempts + 1;
    const giveUp = attempts >= this.options.maxAttempts;
    if (giveUp) this.stats.dead++;
    else this.stats.failed++;
    const nextAttemptAt = giveUp ? null : clock.now() + this.options.baseDelayMs * 4 ** (attempts - 1);
    return { id: item.id, delivered: false, attempts, nextAttemptAt, error };
  }
}
