/**
 * New webhook events handed from the delivery writer to this process's dispatcher in memory, after the
 * commit that wrote them (issue 12): the dispatcher then needs no claim statement, no JSON parse and no
 * lookup of receiver timeouts for them. The row is still written, already leased to this process, so it is
 * the durable record: after a crash the lease lapses and a claim finds the event again; until then no claim
 * (here or in another process) takes it, so it is never posted twice by the two paths.
 */
import type { OutboxItem, OutboxListener } from "../ports/index.js";

export class OutboxHandOff {
  private listener: OutboxListener | undefined;

  listen(listener: OutboxListener | undefined): void {
    this.listener = listener;
  }

  /** A ticket for one transaction attempt (a transaction run again gets a new one). */
  open(): HandOffTicket {
    return new HandOffTicket(this.listener);
  }
}

export class HandOffTicket {
  private readonly taken: OutboxItem[] = [];
  private readonly declined: string[] = [];

  constructor(private readonly listener: OutboxListener | undefined) {}

  /** Inside the transaction: the lease end (unix ms) of an event written at `at` that this process takes, or null. */
  leaseUntil(url: string, timeoutMs: number | null, at: number): number | null {
    if (!this.listener) return null;
    const leaseMs = this.listener.leaseFor(url, timeoutMs);
    if (leaseMs === undefined) {
      this.declined.push(url);
      return null;
    }
    return at + leaseMs;
  }

  /** An event written with the lease `leaseUntil` gave. */
  take(item: OutboxItem): void {
    this.taken.push(item);
  }

  /** After the transaction: the events go to the dispatcher only if it committed. */
  settle(committed: boolean): void {
    if (!this.listener || (this.declined.length === 0 && this.taken.length === 0)) return;
    try {
      this.listener.settled(this.declined, committed ? this.taken : []);
    } catch {
      // Never turn a commit into a failure: events not taken stay leased, and a claim finds them after it.
    }
  }
}

/** Runs one transaction attempt with a ticket, and settles the ticket after its commit or failure. */
export async function withHandOff<T>(
  handOff: OutboxHandOff | undefined,
  transaction: (ticket: HandOffTicket | undefined) => Promise<T>,
): Promise<T> {
  const ticket = handOff?.open();
  let committed = false;
  try {
    const result = await transaction(ticket);
    committed = true;
    return result;
  } finally {
    ticket?.settle(committed);
  }
}
