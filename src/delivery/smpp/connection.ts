/**
 * One socket's request/response bookkeeping: our own sequence numbers, a timeout per request, settling by
 * sequence_number (responses come in any order), and ending the socket. The smpp library keeps a callback
 * per request forever when no answer comes; we never give it one, so nothing leaks.
 */
import { createPdu, type LibSession, type Pdu, type PduFields } from "./lib.js";

export type RequestOutcome =
  | { kind: "response"; pdu: Pdu }
  | { kind: "timeout" }
  /**
   * Not bound, connection lost before the answer, or stopping. `sent`: the request had gone out, so the
   * peer may have acted on it (an unknown outcome, like a timeout).
   */
  | { kind: "closed"; reason: string; sent?: boolean }
  /** The library could not encode the PDU (a field out of range). */
  | { kind: "invalid"; reason: string };

interface Pending {
  resolve: (outcome: RequestOutcome) => void;
  timer: NodeJS.Timeout;
  late?: LateAnswer;
}

/** Where a response that comes after its request timed out goes, for how long (undefined: none came). */
export interface LateAnswer {
  windowMs: number;
  receive(pdu: Pdu | undefined): void;
}

const MAX_SEQUENCE = 0x7fffffff;
const CLOSE_WAIT_MS = 1000;

export class Connection {
  /** False once the connection ended; events from it are then ignored. */
  alive = true;
  bound = false;
  /** We are closing it on purpose: its `close` is not an error. */
  closing = false;
  /** The keepalive watchdog's interval (see watchdog.ts); cleared when the connection ends. */
  enquireTimer: NodeJS.Timeout | undefined;
  readonly #pending = new Map<number, Pending>();
  /** Requests that timed out and still listen for their answer. */
  readonly #late = new Map<number, { late: LateAnswer; timer: NodeJS.Timeout }>();
  #seq = 0;
  #onIdle: (() => void) | undefined;

  constructor(readonly lib: LibSession) {}

  /** Sends a request; resolves with its response, a timeout, or closed. Never rejects. */
  request(command: string, fields: PduFields, timeoutMs: number, late?: LateAnswer): Promise<RequestOutcome> {
    return new Promise((resolve) => {
      this.#seq = this.#seq >= MAX_SEQUENCE ? 1 : this.#seq + 1;
      const seq = this.#seq;
      let sent: boolean;
      try {
        sent = this.alive && this.lib.send(createPdu(command, { ...fields, sequence_number: seq }));
      } catch (error) {
        resolve({ kind: "invalid", reason: (error as Error).message });
        return;
      }
      if (!sent) {
        resolve({ kind: "closed", reason: "connection not writable" });
        return;
      }
      const timer = setTimeout(() => this.settle(seq, { kind: "timeout" }), timeoutMs);
      this.#pending.set(seq, late ? { resolve, timer, late } : { resolve, timer });
    });
  }

  /** Settles the request `seq` names; false when none is waiting (answered late, or never asked). */
  settle(seq: number, outcome: RequestOutcome): boolean {
    const pending = this.#pending.get(seq);
    if (!pending) return outcome.kind === "response" && this.#settleLate(seq, outcome.pdu);
    this.#pending.delete(seq);
    clearTimeout(pending.timer);
    if (outcome.kind === "timeout" && pending.late) {
      const late = pending.late;
      const timer = setTimeout(() => this.#settleLate(seq, undefined), late.windowMs);
      timer.unref();
      this.#late.set(seq, { late, timer });
    }
    pending.resolve(outcome);
    if (this.#pending.size === 0) this.#onIdle?.();
    return true;
  }

  #settleLate(seq: number, pdu: Pdu | undefined): boolean {
    const entry = this.#late.get(seq);
    if (!entry) return false;
    this.#late.delete(seq);
    clearTimeout(entry.timer);
    entry.late.receive(pdu);
    return true;
  }

  /** Answers a request from the peer; returns the error if the library could not send it. */
  reply(pdu: Pdu): Error | undefined {
    try {
      this.lib.send(pdu);
      return undefined;
    } catch (error) {
      return error as Error;
    }
  }

  /** Resolves once nothing awaits an answer, or after timeoutMs. */
  whenIdle(timeoutMs: number): Promise<void> {
    if (this.#pending.size === 0 || !this.alive) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#onIdle = undefined;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#onIdle = done;
    });
  }

  /**
   * Ends it once: what still awaits an answer settles as closed. `graceful` lets queued writes (an
   * unbind_resp) go out before the socket closes. False if it had ended already.
   */
  end(graceful: boolean): boolean {
    if (!this.alive) return false;
    this.alive = false;
    clearInterval(this.enquireTimer);
    for (const seq of [...this.#pending.keys()])
      this.settle(seq, { kind: "closed", reason: "connection lost", sent: true });
    for (const seq of [...this.#late.keys()]) this.#settleLate(seq, undefined);
    this.#onIdle?.();
    if (graceful) {
      this.lib.socket.end();
      setTimeout(() => this.lib.destroy(), CLOSE_WAIT_MS).unref();
    } else {
      this.lib.destroy();
    }
    return true;
  }

  /** After our unbind: socket.end() so the peer sees a clean FIN, then wait for `close` (destroy if it lingers). */
  closeCleanly(): Promise<void> {
    this.closing = true;
    if (!this.alive || this.lib.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.lib.destroy();
        resolve();
      }, CLOSE_WAIT_MS);
      this.lib.socket.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      this.lib.socket.end();
    });
  }
}
