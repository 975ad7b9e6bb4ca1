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

export class WebhookDispatcher {
  readonly stats = { delivered: 0, failed: 0, dead: 0 };
  private running = false;
  private loopDone: Promise<void> | undefined;
  private readonly sleepers = new Set<() => void>();
  /** The latest post of each message's events, so that the next one waits for it (see deliverInOrder). */
  private readonly postingFor = new Map<string, Promise<unknown>>();
  private secrets = new Map<number, string>();
  private readonly http: WebhookPoster;

  constructor(
    private readonly deps: { store: Store; clock: Clock; log: Logger },
    private readonly options: WebhookDispatcherOptions,
  ) {
    const sockets = options.concurrency ?? 64;
    this.http = options.senderThread === false ? new WebhookClient(sockets) : new ThreadedWebhookClient(sockets);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    // Two claim-send loops: while one waits for the slowest posts of its batch, the other is sending, so a
    // batch's stragglers do not leave the sockets idle. They share `unrecorded` (see loop()).
    const unrecorded = new Set<string>();
    this.loopDone = Promise.all([this.loop(unrecorded), this.loop(unrecorded)]).then(() => {});
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const wake of this.sleepers) wake();
    await this.loopDone;
    await this.http.close();
  }

  private sleep(ms: number): Promise<void> {
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

  private async loop(unrecorded: Set<string>): Promise<void> {
    const batch = this.options.batchSize ?? 200;
    const concurrency = this.options.concurrency ?? 64;
    // An event stays leased until its result is recorded, which is after its whole batch: in the worst
    // case a worker sends ceil(batch / concurrency) events one after another, each taking up to two
    // timeouts (one resend on a stale connection). Shorter, and another process could claim and send
    // events this one already delivered.
    const leaseMs = (Math.ceil(batch / concurrency) * 2 + 1) * this.options.timeoutMs;
    // The results of one batch are stored while the next is claimed and sent (at most one such write
    // outstanding). An event whose lease lapsed before its result is stored may be claimed again meanwhile:
    // it is skipped, its stored result decides.
    let recording: Promise<void> = Promise.resolve();
    while (this.running) {
      let items: OutboxItem[] = [];
      try {
        items = await this.deps.store.webhooks.claimDue(this.deps.clock.now(), batch, leaseMs);
        if (unrecorded.size > 0) items = items.filter((i) => !unrecorded.has(i.id));
      } catch (error) {
        this.deps.log.error({ err: error }, "claiming webhook events failed");
      }
      if (items.length === 0) {
        await recording;
        await this.sleep(this.options.pollIntervalMs ?? 100);
        continue;
      }
      const results: WebhookAttempt[] = [];
      let next = 0;
      // A pool rather than fixed groups: one slow receiver holds up one worker, not the whole group.
      const worker = async () => {
        while (next < items.length) results.push(await this.deliverInOrder(items[next++]!));
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
      await recording;
      for (const r of results) unrecorded.add(r.id);
      recording = this.deps.store.webhooks
        .recordAttempts(results)
        .catch((e) => this.deps.log.error({ err: e }, "recording webhook attempts failed"))
        .finally(() => {
          for (const r of results) unrecorded.delete(r.id);
        });
    }
    await recording;
  }

  private async secretOf(accountId: number): Promise<string> {
    let secret = this.secrets.get(accountId);
    if (secret === undefined) {
      secret = (await this.deps.store.accounts.get(accountId))?.webhookSecret ?? "";
      this.secrets.set(accountId, secret);
    }
    return secret;
  }

  /**
   * Events of one message are posted one after another, in the order they were claimed, so that a receiver
   * does not hear "delivered" and then "en route" (a retried event can still arrive after later ones).
   * Other messages' events do not wait.
   */
  private async deliverInOrder(item: OutboxItem): Promise<WebhookAttempt> {
    const messageId = (item.data as { id?: unknown } | null)?.id;
    if (typeof messageId !== "string") return this.deliver(item);
    const previous = this.postingFor.get(messageId);
    const mine = previous ? previous.then(() => this.deliver(item)) : this.deliver(item);
    this.postingFor.set(messageId, mine);
    try {
      return await mine;
    } finally {
      if (this.postingFor.get(messageId) === mine) this.postingFor.delete(messageId);
    }
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
