/**
 * One SMPP bind (transceiver, transmitter or receiver) on top of the smpp library's Session, adding what it
 * lacks: a window with a FIFO queue, per-request response timeouts, enquire_link with a watchdog, reconnect
 * with exponential backoff, throughput pacing that slows down on ESME_RTHROTTLED, answers to every request
 * the SMSC sends, and unbind before close.
 *
 * Every connection attempt gets its own Connection record; events from an old socket check `conn.alive`
 * and so cannot disturb its successor.
 */
import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import { Backoff } from "./backoff.js";
import type { SmppTlsOptions } from "./config.js";
import { connectSession, createPdu, type LibSession, type Pdu, type PduFields } from "./lib.js";
import { RateLimiter } from "./rate-limiter.js";
import { Status, statusName } from "./status.js";
import { RequestWindow } from "./window.js";

export type BindType = "transceiver" | "transmitter" | "receiver";

export interface SessionOptions {
  host: string;
  port: number;
  tls: boolean;
  tlsOptions?: SmppTlsOptions;
  systemId: string;
  password: string;
  systemType: string;
  interfaceVersion: number;
  bindType: BindType;
  window: number;
  throughputPerSecond: number;
  throttlePauseMs: number;
  enquireLinkSeconds: number;
  responseTimeoutMs: number;
  reconnect: { minMs: number; maxMs: number };
}

export type RequestOutcome =
  | { kind: "response"; pdu: Pdu }
  | { kind: "timeout" }
  /** Not bound, connection lost before the answer, or stopping. */
  | { kind: "closed"; reason: string }
  /** The library could not encode the PDU (a field out of range). */
  | { kind: "invalid"; reason: string };

export type SessionState = "idle" | "connecting" | "binding" | "bound" | "unbinding" | "stopped";

export interface SessionEvents {
  up: [];
  down: [Error | undefined];
  /** A deliver_sm or data_sm; already answered with its _resp. */
  deliver: [Pdu];
}

interface Pending {
  resolve: (outcome: RequestOutcome) => void;
  timer: NodeJS.Timeout;
}

interface Connection {
  lib: LibSession;
  pending: Map<number, Pending>;
  seq: number;
  alive: boolean;
  bound: boolean;
  enquireTimer?: NodeJS.Timeout;
  enquireInFlight: boolean;
  /** We are closing it on purpose: its `close` is not an error. */
  closing: boolean;
  onIdle?: () => void;
}

const MAX_SEQUENCE = 0x7fffffff;
/** Stop waits at most this long for answers to requests already sent, and for unbind_resp. */
const STOP_WAIT_MS = 5000;
const CLOSE_WAIT_MS = 1000;

export class SmppSession extends EventEmitter<SessionEvents> {
  #state: SessionState = "idle";
  #conn: Connection | undefined;
  #stopping = false;
  #reconnectTimer: NodeJS.Timeout | undefined;
  readonly #window: RequestWindow;
  readonly #limiter: RateLimiter;
  readonly #backoff: Backoff;
  readonly #log: Logger;

  constructor(
    private readonly options: SessionOptions,
    logger: Logger,
  ) {
    super();
    this.#window = new RequestWindow(options.window);
    this.#limiter = new RateLimiter(options.throughputPerSecond, options.throttlePauseMs);
    this.#backoff = new Backoff(options.reconnect.minMs, options.reconnect.maxMs);
    this.#log = logger.child({ bind: options.bindType });
  }

  get state(): SessionState {
    return this.#state;
  }

  isBound(): boolean {
    return this.#state === "bound";
  }

  /** Requests on the wire, callers queued for a window slot, and the current pace (Infinity = unpaced). */
  get load(): { inFlight: number; waiting: number; rate: number } {
    return { inFlight: this.#window.inFlight, waiting: this.#window.waiting, rate: this.#limiter.rate };
  }

  /** Starts connecting; reconnects by itself until stop(). */
  start(): void {
    if (this.#state !== "idle" || this.#stopping) return;
    this.#connect();
  }

  /** Sends one submit_sm through the window and the pacer. Never rejects. */
  async submit(fields: PduFields): Promise<RequestOutcome> {
    if (!this.isBound()) return { kind: "closed", reason: "not bound" };
    if (!(await this.#window.acquire())) return { kind: "closed", reason: "connection lost" };
    try {
      await this.#limiter.take();
      const conn = this.#conn;
      if (!conn?.alive || this.#state !== "bound") return { kind: "closed", reason: "connection lost" };
      const sentAt = Date.now();
      const outcome = await this.#request(conn, "submit_sm", fields);
      if (outcome.kind === "response") {
        const status = outcome.pdu.command_status;
        if (status === Status.ESME_RTHROTTLED) this.#limiter.throttled(sentAt);
        // The SMSC no longer considers us bound: a fresh bind is the only way back.
        if (status === Status.ESME_RINVBNDSTS)
          this.#drop(conn, new Error("SMSC reports the session unbound"));
      }
      return outcome;
    } finally {
      this.#window.release();
    }
  }

  /** Answers still awaited get up to STOP_WAIT_MS, then unbind, close, and no reconnect. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#reconnectTimer);
    this.#window.rejectWaiting();
    this.#limiter.cancel();
    const conn = this.#conn;
    if (!conn) {
      this.#state = "stopped";
      return;
    }
    if (this.#state === "bound") {
      this.#state = "unbinding";
      const wait = Math.min(this.options.responseTimeoutMs, STOP_WAIT_MS);
      await this.#whenIdle(conn, wait);
      if (conn.alive) {
        const outcome = await this.#request(conn, "unbind", {}, wait);
        if (outcome.kind !== "response") this.#log.warn({ outcome: outcome.kind }, "unbind not answered");
      }
    }
    await this.#close(conn);
    this.#drop(conn, undefined);
    this.#state = "stopped";
  }

  #connect(): void {
    this.#state = "connecting";
    const { host, port, tls, tlsOptions } = this.options;
    let lib: LibSession;
    try {
      lib = connectSession({ ...tlsOptions, host, port, tls });
    } catch (error) {
      this.#log.warn({ err: error }, "SMPP connect failed");
      this.#state = "idle";
      this.#scheduleReconnect();
      return;
    }
    const conn: Connection = {
      lib,
      pending: new Map(),
      seq: 0,
      alive: true,
      bound: false,
      enquireInFlight: false,
      closing: false,
    };
    this.#conn = conn;
    const connectTimer = setTimeout(
      () => this.#drop(conn, new Error(`connect to ${host}:${port} timed out`)),
      this.options.responseTimeoutMs,
    );
    lib.on("error", (error: Error) => {
      clearTimeout(connectTimer);
      this.#drop(conn, error);
    });
    lib.on("close", () => {
      clearTimeout(connectTimer);
      this.#drop(conn, conn.closing ? undefined : new Error("connection closed by peer"));
    });
    lib.on("pdu", (pdu: Pdu) => this.#onPdu(conn, pdu));
    lib.once(tls ? "secureConnect" : "connect", () => {
      clearTimeout(connectTimer);
      // PDUs are small writes; with Nagle on, delayed ACKs add ~40 ms to a request/response round trip.
      lib.socket.setNoDelay(true);
      void this.#bind(conn);
    });
  }

  async #bind(conn: Connection): Promise<void> {
    if (!conn.alive) return;
    this.#state = "binding";
    const o = this.options;
    const outcome = await this.#request(conn, `bind_${o.bindType}`, {
      system_id: o.systemId,
      password: o.password,
      system_type: o.systemType,
      interface_version: o.interfaceVersion,
      addr_ton: 0,
      addr_npi: 0,
      address_range: "",
    });
    if (!conn.alive) return;
    if (outcome.kind !== "response") {
      this.#drop(conn, new Error(`bind_${o.bindType}: ${outcome.kind}`));
      return;
    }
    const status = outcome.pdu.command_status;
    if (status !== Status.ESME_ROK) {
      this.#log.error({ status: statusName(status) }, "SMPP bind refused");
      this.#drop(conn, new Error(`bind refused: ${statusName(status)}`));
      return;
    }
    conn.bound = true;
    this.#state = "bound";
    this.#backoff.reset();
    conn.enquireTimer = setInterval(() => void this.#enquire(conn), this.options.enquireLinkSeconds * 1000);
    this.#log.info({ host: o.host, port: o.port }, "SMPP bound");
    this.#emitSafely("up");
  }

  /** The watchdog: a peer that does not answer enquire_link in time is dead. */
  async #enquire(conn: Connection): Promise<void> {
    if (!conn.alive || conn.enquireInFlight) return;
    conn.enquireInFlight = true;
    const outcome = await this.#request(conn, "enquire_link", {});
    conn.enquireInFlight = false;
    if (outcome.kind === "timeout") this.#drop(conn, new Error("enquire_link not answered"));
  }

  #request(conn: Connection, command: string, fields: PduFields, timeoutMs = this.options.responseTimeoutMs) {
    return new Promise<RequestOutcome>((resolve) => {
      conn.seq = conn.seq >= MAX_SEQUENCE ? 1 : conn.seq + 1;
      const seq = conn.seq;
      let sent: boolean;
      try {
        sent = conn.alive && conn.lib.send(createPdu(command, { ...fields, sequence_number: seq }));
      } catch (error) {
        resolve({ kind: "invalid", reason: (error as Error).message });
        return;
      }
      if (!sent) {
        resolve({ kind: "closed", reason: "connection not writable" });
        return;
      }
      const timer = setTimeout(() => this.#settle(conn, seq, { kind: "timeout" }), timeoutMs);
      conn.pending.set(seq, { resolve, timer });
    });
  }

  #settle(conn: Connection, seq: number, outcome: RequestOutcome): boolean {
    const pending = conn.pending.get(seq);
    if (!pending) return false;
    conn.pending.delete(seq);
    clearTimeout(pending.timer);
    pending.resolve(outcome);
    if (conn.pending.size === 0) conn.onIdle?.();
    return true;
  }

  #onPdu(conn: Connection, pdu: Pdu): void {
    if (!conn.alive) return;
    if (pdu.isResponse()) {
      // generic_nack is a response too: it settles the request it names with its error status
      if (!this.#settle(conn, pdu.sequence_number, { kind: "response", pdu })) {
        this.#log.debug({ command: pdu.command, seq: pdu.sequence_number }, "response to no pending request");
      }
      return;
    }
    switch (pdu.command) {
      case "deliver_sm":
      case "data_sm":
        this.#reply(conn, pdu.response());
        this.#emitSafely("deliver", pdu);
        return;
      case "enquire_link":
        this.#reply(conn, pdu.response());
        return;
      case "unbind":
        this.#reply(conn, pdu.response());
        this.#log.warn("SMSC unbound the session");
        this.#drop(conn, new Error("unbound by SMSC"), true);
        return;
      case "alert_notification":
      case "outbind":
        return; // neither takes a response
      default:
        this.#reply(
          conn,
          createPdu("generic_nack", {
            sequence_number: pdu.sequence_number,
            command_status: Status.ESME_RINVCMDID,
          }),
        );
    }
  }

  #reply(conn: Connection, pdu: Pdu): void {
    try {
      conn.lib.send(pdu);
    } catch (error) {
      this.#log.warn({ err: error, command: pdu.command }, "could not answer the SMSC");
    }
  }

  /**
   * Ends a connection once: settles what it still awaits as closed, frees queued submits, emits `down` if it
   * was bound and schedules the next attempt. `graceful` lets queued writes (an unbind_resp) go out first.
   */
  #drop(conn: Connection, error: Error | undefined, graceful = false): void {
    if (!conn.alive) return;
    conn.alive = false;
    clearInterval(conn.enquireTimer);
    for (const seq of [...conn.pending.keys()])
      this.#settle(conn, seq, { kind: "closed", reason: "connection lost" });
    conn.onIdle?.();
    if (graceful) {
      conn.lib.socket.end();
      setTimeout(() => conn.lib.destroy(), CLOSE_WAIT_MS).unref();
    } else {
      conn.lib.destroy();
    }
    if (this.#conn !== conn) return;
    this.#conn = undefined;
    this.#window.rejectWaiting();
    this.#limiter.cancel();
    this.#state = this.#stopping ? "stopped" : "idle";
    if (conn.bound) {
      if (error) this.#log.warn({ err: error.message }, "SMPP session down");
      else this.#log.info("SMPP session closed");
      this.#emitSafely("down", error);
    } else if (error && !this.#stopping) {
      this.#log.warn({ err: error.message }, "SMPP connection failed");
    }
    if (!this.#stopping) this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    const delay = this.#backoff.next();
    this.#log.debug({ delayMs: delay }, "SMPP reconnect scheduled");
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (!this.#stopping && this.#state === "idle") this.#connect();
    }, delay);
  }

  #whenIdle(conn: Connection, timeoutMs: number): Promise<void> {
    if (conn.pending.size === 0 || !conn.alive) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done() {
        clearTimeout(timer);
        conn.onIdle = undefined;
        resolve();
      }
      conn.onIdle = done;
    });
  }

  /** socket.end() lets the peer see a clean FIN after our unbind; destroy if it lingers. */
  #close(conn: Connection): Promise<void> {
    conn.closing = true;
    if (!conn.alive || conn.lib.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        conn.lib.destroy();
        resolve();
      }, CLOSE_WAIT_MS);
      conn.lib.socket.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      conn.lib.socket.end();
    });
  }

  /** A throwing listener must not take the session down with it. */
  #emitSafely<K extends keyof SessionEvents>(event: K, ...args: SessionEvents[K]): void {
    try {
      (this.emit as (event: K, ...args: SessionEvents[K]) => boolean)(event, ...args);
    } catch (error) {
      this.#log.error({ err: error, event }, "listener failed");
    }
  }
}
