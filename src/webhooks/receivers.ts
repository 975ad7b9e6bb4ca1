/**
 * Webhook receivers (one per callback URL) as separate lanes, so that one customer's dead or slow endpoint
 * delays nobody else's events: each receiver has its own budget of posts in flight, its own cap on events
 * claimed and not yet finished (a full receiver is left out of the next claims), and its own breaker.
 * Posts are started by taking the receivers in turn.
 *
 * A receiver also says whether it takes new events in memory from the delivery writer (issue 12), which it
 * does only while none of its events may be waiting in the outbox: a new event handed over must not
 * overtake an older one of the same message left there. Once one of its events is left to the claims
 * (it was full or paused), it takes none in memory until a claim that started after every such event had
 * committed came back with fewer events than it asked for (so it took all that were due).
 */
import type { OutboxItem } from "../store/ports/index.js";
import { Breaker, type BreakerOptions } from "./breaker.js";

/** A claimed event waiting for its post. */
export interface Queued {
  item: OutboxItem;
  /** Settles when the previous queued event of the same message to the same URL has been posted. */
  after: Promise<void> | undefined;
  posted: Promise<void>;
  markPosted: () => void;
}

export class Receiver {
  readonly waiting: Queued[] = [];
  inFlight = 0;
  readonly breaker: Breaker;
  /** Events of this receiver may wait in the outbox: new ones go there too, until a claim drains them. */
  claimOnly = true;
  /** Transactions that left events of this receiver to the claims and have not settled (committed or failed). */
  declinesOpen = 0;
  /** Events left to the claims so far: a claim can tell whether any were left while it ran. */
  declines = 0;

  constructor(
    readonly url: string,
    breaker: BreakerOptions,
  ) {
    this.breaker = new Breaker(breaker);
  }

  /** Claimed events not yet finished here. */
  get held(): number {
    return this.waiting.length + this.inFlight;
  }
}

export interface ReceiverLimits {
  /** Posts in flight to one receiver at most. */
  budget: number;
  /** Events claimed and unfinished for one receiver before its events are left out of claims. */
  cap: number;
  breaker: BreakerOptions;
}

export class Receivers {
  private readonly byUrl = new Map<string, Receiver>();
  /** Round-robin position: the receiver after the last one a post was started for. */
  private turn = 0;

  constructor(readonly limits: ReceiverLimits) {}

  of(url: string): Receiver {
    let receiver = this.byUrl.get(url);
    if (!receiver) {
      receiver = new Receiver(url, this.limits.breaker);
      this.byUrl.set(url, receiver);
    }
    return receiver;
  }

  all(): IterableIterator<Receiver> {
    return this.byUrl.values();
  }

  /**
   * Forgets a receiver that holds nothing and has not failed since its last success (its state is the
   * default one). One that failed is remembered, so failures one event at a time still add up to a pause.
   */
  forgetIfIdle(receiver: Receiver): void {
    // One taking events in memory is kept (one per URL in use), or it would go back to claims when idle.
    const defaultState = receiver.breaker.clean && receiver.claimOnly && receiver.declinesOpen === 0;
    if (receiver.held === 0 && defaultState) this.byUrl.delete(receiver.url);
  }

  /**
   * Asked inside the transaction that writes a new event for `url`: whether this process takes it in
   * memory. No: the receiver goes (or stays) back to claims, counting the transaction as open.
   */
  takesInMemory(url: string, now: number): boolean {
    const r = this.of(url);
    if (!r.claimOnly && !this.full(r) && r.breaker.state(now) === "closed") return true;
    r.claimOnly = true;
    r.declinesOpen++;
    r.declines++;
    return false;
  }

  /** The transactions that left events for these URLs (once per event) have committed or failed. */
  declinesSettled(urls: readonly string[]): void {
    for (const url of urls) {
      const r = this.byUrl.get(url);
      if (r) r.declinesOpen--;
    }
  }

  /**
   * Before a claim: the receivers it can drain (going back to claims, nothing left to them uncommitted, and
   * not left out of the claim). `drained` is called with the claim's result.
   */
  beforeClaim(exceptUrls: readonly string[]): { drained(complete: boolean): void } {
    const except = new Set(exceptUrls);
    const candidates: [Receiver, number][] = [];
    for (const r of this.byUrl.values()) {
      if (r.claimOnly && r.declinesOpen === 0 && !except.has(r.url)) candidates.push([r, r.declines]);
    }
    return {
      drained(complete) {
        if (!complete) return;
        for (const [r, declines] of candidates)
          if (r.declines === declines && r.declinesOpen === 0) r.claimOnly = false;
      },
    };
  }

  /** A receiver that holds its cap of events: its events are left out of claims until it has posted some. */
  full(receiver: Receiver): boolean {
    return receiver.held >= this.limits.cap;
  }

  /**
   * Events waiting at receivers that take more (the claimer tops this up). A full receiver's backlog does
   * not count: it is not claimed for, and it must not keep the claimer from fetching other receivers' events.
   */
  startable(now: number): number {
    let n = 0;
    for (const r of this.byUrl.values()) {
      if (!this.full(r) && r.breaker.allowance(now, this.limits.budget) > 0) n += r.waiting.length;
    }
    return n;
  }

  /** URLs whose events the next claim should leave alone: full receivers and paused ones. */
  notToClaim(now: number): string[] {
    const urls: string[] = [];
    for (const r of this.byUrl.values())
      if (this.full(r) || r.breaker.state(now) === "open") urls.push(r.url);
    return urls;
  }

  /** The next event to post, taking receivers in turn; undefined when every receiver is at its allowance. */
  next(now: number): { receiver: Receiver; queued: Queued } | undefined {
    const receivers = [...this.byUrl.values()];
    for (let i = 0; i < receivers.length; i++) {
      const index = (this.turn + i) % receivers.length;
      const receiver = receivers[index]!;
      if (receiver.waiting.length === 0) continue;
      if (receiver.inFlight >= receiver.breaker.allowance(now, this.limits.budget)) continue;
      this.turn = index + 1;
      return { receiver, queued: receiver.waiting.shift()! };
    }
    return undefined;
  }
}
