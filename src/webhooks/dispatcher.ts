/**
 * Delivers webhook events from the durable outbox: POST, signed, retried with growing intervals until
 * a 2xx or the attempt limit, never on the delivery path (a slow receiver delays only its own events).
 * New events come from the delivery writer in memory after their commit when their receiver takes them
 * (receivers.ts), from claims otherwise.
 */
import type { Logger } from "pino";
import type { Clock } from "../app/deps.js";
import type { OutboxItem, OutboxListener, Store, WebhookAttempt } from "../store/ports/index.js";
import type { BreakerOptions } from "./breaker.js";
import { redactUrl } from "../core/urls.js";
import { attempt } from "./attempt.js";
import { chainOf } from "./event.js";
import { WebhookClient } from "./http.js";
import { type Queued, type Receiver, Receivers } from "./receivers.js";
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
  /** When a failing receiver is paused (see breaker.ts); defaults: 5 failures, baseDelayMs doubling to 5 min. */
  breaker?: Partial<BreakerOptions>;
}

/**
 * One claimer keeps the receivers' queues of leased events topped up, leaving out receivers that are full
 * or paused (receivers.ts); posts are started receiver by receiver in turn, each receiver up to its budget
 * (`concurrency`, as many as the HTTP client's sockets per receiver, so no post waits for a socket while its
 * timeout runs), and each result is recorded as it comes (the store groups them into one transaction).
 */
export class WebhookDispatcher implements OutboxListener {
  readonly stats = { delivered: 0, failed: 0, dead: 0, deferred: 0 };
  private running = false;
  private claimerDone: Promise<void> | undefined;
  private readonly sleepers = new Set<() => void>();
  private readonly receivers: Receivers;
  /** Claimed and not yet recorded: if a lease lapses meanwhile, this process does not take the event again. */
  private readonly held = new Set<string>();
  /** The latest queued post of each message and URL, which the next event of that pair waits for. */
  private readonly lastOf = new Map<string, Promise<void>>();
  private readonly posts = new Set<Promise<void>>();
  private readonly recordings = new Set<Promise<void>>();
  private secrets = new Map<number, string>();
  private readonly http: WebhookPoster;
  private readonly concurrency: number;
  private readonly batch: number;
  /** Claim again once fewer than this many events can be started, so posting never runs dry between claims. */
  private readonly lowWater: number;
  /** The longest timeout of any receiver seen so far: leases are sized for it. */
  private longestTimeoutMs: number;

  constructor(
    /** `http` replaces the HTTP client (tests that control when each post answers). */
    private readonly deps: { store: Store; clock: Clock; log: Logger; http?: WebhookPoster },
    private readonly options: WebhookDispatcherOptions,
  ) {
    this.concurrency = options.concurrency ?? 64;
    this.batch = options.batchSize ?? 200;
    this.lowWater = Math.max(1, Math.ceil(this.batch / 2));
    this.longestTimeoutMs = options.timeoutMs;
    this.receivers = new Receivers({
      budget: this.concurrency,
      // Room for a budget in flight and a low water mark waiting, so a busy healthy receiver is topped up
      // before it runs dry, while one that does not keep up stops being claimed for.
      cap: this.concurrency + this.lowWater,
      breaker: {
        failuresToOpen: options.breaker?.failuresToOpen ?? 5,
        firstPauseMs: options.breaker?.firstPauseMs ?? options.baseDelayMs,
        maxPauseMs: options.breaker?.maxPauseMs ?? 300_000,
      },
    });
    this.http =
      deps.http ??
      (options.senderThread === false
        ? new WebhookClient(this.concurrency)
        : new ThreadedWebhookClient(this.concurrency));
  }

  /**
   * An event stays leased until its result is recorded. A receiver holds at most `cap` events before it is
   * left out of claims, plus what one claim added; the last of them waits for ceil(held / budget) posts
   * before its own, each up to two timeouts (one resend on a stale connection), plus at most one post of an
   * earlier event of its message. Shorter, and another process could claim and send events this one has
   * not yet recorded.
   */
  private leaseMs(): number {
    const { cap, budget } = this.receivers.limits;
    return (Math.ceil((cap + this.batch) / budget) * 2 + 4) * this.longestTimeoutMs;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.deps.store.webhooks.listen?.(this);
    this.claimerDone = this.claimLoop();
  }

  /**
   * Stops claiming and posting: posts under way finish and are recorded; events still waiting for a post
   * are given back unsent, so a restart (or another process) sends them at once rather than after their
   * lease, and an unresponsive receiver cannot hold up shutdown for a whole queue of timeouts.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.deps.store.webhooks.listen?.(undefined);
    this.wakeAll();
    await this.claimerDone;
    const unsent: string[] = [];
    for (const receiver of this.receivers.all()) {
      for (const queued of receiver.waiting.splice(0)) {
        unsent.push(queued.item.id);
        this.finished(queued);
      }
    }
    while (this.posts.size > 0) await Promise.all(this.posts);
    while (this.recordings.size > 0) await Promise.all(this.recordings);
    if (unsent.length > 0) {
      await this.deps.store.webhooks
        .release(unsent)
        .catch((e) => this.deps.log.error({ err: e }, "giving back unsent webhook events failed"));
    }
    for (const id of unsent) this.held.delete(id);
    await this.http.close();
  }

  /** OutboxListener: whether this process posts a new event itself, and under which lease. */
  leaseFor(url: string, timeoutMs: number | null): number | undefined {
    if (!this.running || !this.receivers.takesInMemory(url, this.deps.clock.now())) return undefined;
    if (timeoutMs && timeoutMs > this.longestTimeoutMs) this.longestTimeoutMs = timeoutMs;
    return this.leaseMs();
  }

  /** OutboxListener: the events written leased to this process are committed (or their transaction failed). */
  settled(declinedUrls: readonly string[], taken: readonly OutboxItem[]): void {
    this.receivers.declinesSettled(declinedUrls);
    if (taken.length === 0) return;
    if (!this.running) {
      // Stopped meanwhile: give them back at once rather than leave them to their lease.
      this.deps.store.webhooks
        .release(taken.map((item) => item.id))
        .catch((e) => this.deps.log.error({ err: e }, "giving back unsent webhook events failed"));
      return;
    }
    for (const item of taken) this.enqueue(item);
    this.pump();
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
      const now = this.deps.clock.now();
      if (this.receivers.startable(now) >= this.lowWater) {
        await this.sleep(pollMs); // a finishing post wakes us when few events can start
        continue;
      }
      let items: OutboxItem[] = [];
      const exceptUrls = this.receivers.notToClaim(now);
      const claim = this.receivers.beforeClaim(exceptUrls);
      try {
        // Taken after beforeClaim: every event it may drain was committed with a time before this one.
        const due = this.deps.clock.now();
        items = await this.deps.store.webhooks.claimDue(due, this.batch, this.leaseMs(), exceptUrls);
        claim.drained(items.length < this.batch);
      } catch (error) {
        this.deps.log.error({ err: error }, "claiming webhook events failed");
      }
      const fresh = items.filter((item) => !this.held.has(item.id));
      if (fresh.length === 0) {
        await this.sleep(pollMs);
        continue;
      }
      for (const item of fresh) this.enqueue(item);
      this.pump();
    }
  }

  private enqueue(item: OutboxItem): void {
    this.held.add(item.id);
    if (item.timeoutMs && item.timeoutMs > this.longestTimeoutMs) this.longestTimeoutMs = item.timeoutMs;
    let markPosted!: () => void;
    const posted = new Promise<void>((resolve) => {
      markPosted = resolve;
    });
    const chain = chainOf(item);
    const after = chain === undefined ? undefined : this.lastOf.get(chain);
    if (chain !== undefined) this.lastOf.set(chain, posted);
    const receiver = this.receivers.of(item.url);
    receiver.waiting.push({ item, after, posted, markPosted });
    // Claimed just as its receiver was paused (by another claim's posts): wait for the pause like the rest.
    if (receiver.breaker.state(this.deps.clock.now()) === "open") this.deferWaiting(receiver);
  }

  /** Starts every post the receivers' allowances permit, taking receivers in turn. */
  private pump(): void {
    if (!this.running) return;
    const now = this.deps.clock.now();
    for (let next = this.receivers.next(now); next; next = this.receivers.next(now)) {
      const { receiver, queued } = next;
      receiver.inFlight++;
      const done: Promise<void> = this.post(receiver, queued).finally(() => this.posts.delete(done));
      this.posts.add(done);
    }
  }

  /**
   * One post. One message's events to one URL are posted one after another: a receiver does not hear
   * "delivered" and then "en route" (a retried event can still arrive after later ones). The earlier event
   * was queued first, so waiting for it costs at most one post.
   */
  private async post(receiver: Receiver, queued: Queued): Promise<void> {
    try {
      if (queued.after) await queued.after;
      const result = await this.deliver(queued.item);
      this.judge(receiver, queued.item, result);
      this.record(result);
    } finally {
      receiver.inFlight--;
      this.finished(queued);
      const now = this.deps.clock.now();
      this.receivers.forgetIfIdle(receiver);
      // A receiver still full wants nothing from the claimer; otherwise claim when few events can start.
      if (!this.receivers.full(receiver) && this.receivers.startable(now) < this.lowWater) this.wakeAll();
      this.pump();
    }
  }

  private finished(queued: Queued): void {
    queued.markPosted();
    const chain = chainOf(queued.item);
    if (chain !== undefined && this.lastOf.get(chain) === queued.posted) this.lastOf.delete(chain);
  }

  /** Feeds the result to the receiver's breaker, and says why an event will be sent again. */
  private judge(receiver: Receiver, item: OutboxItem, result: WebhookAttempt): void {
    const { log, clock } = this.deps;
    const now = clock.now();
    if (result.delivered) {
      if (receiver.breaker.succeeded())
        log.info({ webhook: redactUrl(item.url) }, "webhook receiver answers again: resumed");
      return;
    }
    const where = {
      webhook: redactUrl(item.url),
      event: item.eventId,
      name: item.name,
      attempt: result.attempts,
    };
    if (result.nextAttemptAt === null) log.warn({ ...where, reason: result.error }, "webhook event given up");
    else
      log.info(
        { ...where, reason: result.error, retryAt: new Date(result.nextAttemptAt).toISOString() },
        "webhook event will be retried",
      );
    const pausedUntil = receiver.breaker.failed(now, result.error);
    if (pausedUntil !== undefined) {
      log.warn(
        {
          webhook: redactUrl(item.url),
          until: new Date(pausedUntil).toISOString(),
          reason: receiver.breaker.reason,
        },
        "webhook receiver paused",
      );
      this.deferWaiting(receiver);
    }
  }

  /**
   * A paused receiver's waiting events are handed back to the store due at the pause's end, without
   * spending an attempt: they were never posted. Until then the receiver's events are not claimed.
   */
  private deferWaiting(receiver: Receiver): void {
    const until = receiver.breaker.pausedUntil;
    const error = `not sent: receiver paused (${receiver.breaker.reason})`;
    // They wait in the outbox now: the receiver's new events must queue behind them there.
    if (receiver.waiting.length > 0) receiver.claimOnly = true;
    for (const queued of receiver.waiting.splice(0)) {
      this.stats.deferred++;
      this.record({
        id: queued.item.id,
        delivered: false,
        attempts: queued.item.attempts,
        nextAttemptAt: until,
        error,
      });
      this.finished(queued);
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
    const secret = () => this.secretOf(item.accountId);
    const result = await attempt(this.http, item, secret, this.options, () => this.deps.clock.now());
    if (result.delivered) this.stats.delivered++;
    else if (result.nextAttemptAt === null) this.stats.dead++;
    else this.stats.failed++;
    return result;
  }
}
