/**
 * One SMPP bind (transceiver, transmitter or receiver) on top of the smpp library's Session, adding what it
 * lacks: a window with a FIFO queue, per-request response timeouts, enquire_link with a watchdog, reconnect
 * with exponential backoff, throughput pacing that slows down on ESME_RTHROTTLED, answers to every request
 * the SMSC sends, and unbind before close.
 *
 * Every connection attempt gets its own Connection record; events from an old socket check `conn.alive`
 * and so cannot disturb its successor.
 *
 * This file is the lifecycle (connect, bind, drop, reconnect, stop) and submit; the parts it drives live
 * beside it: dial.ts opens the socket, connection.ts tracks requests awaiting answers, window.ts and
 * rate-limiter.ts are the flow control, watchdog.ts the keepalive, smsc-pdus.ts answers the SMSC.
 */
import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import { Backoff } from "./backoff.js";
import type { SmppTlsOptions } from "./config.js";
import type { Connection, LateAnswer, RequestOutcome } from "./connection.js";
import { type DialHandlers, dial } from "./dial.js";
import type { Pdu, PduFields } from "./lib.js";
import { RateLimiter } from "./rate-limiter.js";
import { type DeliverAck, onSmscPdu, type SmscPduContext } from "./smsc-pdus.js";
import { Status, statusName } from "./status.js";
import { startWatchdog } from "./watchdog.js";
import { RequestWindow } from "./window.js";

export type { RequestOutcome } from "./connection.js";
export type { DeliverAck } from "./smsc-pdus.js";

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

export type SessionState = "idle" | "connecting" | "binding" | "bound" | "unbinding" | "stopped";

export interface SessionEvents {
  up: [];
  down: [Error | undefined];
  /** A deliver_sm or data_sm. */
  deliver: [Pdu, DeliverAck];
}

/** Stop waits at most this long for answers to requests already sent, and for unbind_resp. */
const STOP_WAIT_MS = 5000;

export class SmppSession extends EventEmitter<SessionEvents> {
  #state: SessionState = "idle";
  #conn: Connection | undefined;
  #stopping = false;
  #reconnectTimer: NodeJS.Timeout | undefined;
  readonly #window: RequestWindow;
  readonly #limiter: RateLimiter;
  readonly #backoff: Backoff;
  readonly #log: Logger;
  readonly #dialHandlers: DialHandlers = {
    connected: (conn) => void this.#bind(conn),
    pdu: (conn, pdu) => onSmscPdu(this.#smscPdus, conn, pdu),
    lost: (conn, error) => this.#drop(conn, error),
  };
  readonly #smscPdus: SmscPduContext;

  constructor(
    private readonly options: SessionOptions,
    logger: Logger,
  ) {
    super();
    // A tenth of the window (at least one slot of a window of 10 or more) is kept for transactional submits.
    this.#window = new RequestWindow(options.window, Math.floor(options.window / 10));
    this.#limiter = new RateLimiter(options.throughputPerSecond, options.throttlePauseMs);
    this.#backoff = new Backoff(options.reconnect.minMs, options.reconnect.maxMs);
    this.#log = logger.child({ bind: options.bindType });
    this.#smscPdus = {
      log: this.#log,
      responseTimeoutMs: options.responseTimeoutMs,
      deliver: (pdu, ack) => this.#emitSafely("deliver", pdu, ack),
      drop: (conn, error, graceful) => this.#drop(conn, error, graceful),
    };
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

  /** Starts connecting; reconnects by itself until stop(). A stopped session may be started again. */
  start(): void {
    if (this.#conn || this.#reconnectTimer) return; // already running
    this.#stopping = false;
    this.#connect();
  }

  /**
   * Sends one submit_sm through the window and the pacer. Never rejects. `late` hears a response that comes
   * after the request timed out (the SMSC may have accepted it after all). `urgent` (a transactional
   * message) goes ahead of bulk submits waiting for the window, and may use its reserved slots.
   */
  async submit(fields: PduFields, late?: LateAnswer, urgent = false): Promise<RequestOutcome> {
    if (!this.isBound()) return { kind: "closed", reason: "not bound" };
    if (!(await this.#window.acquire(urgent))) return { kind: "closed", reason: "connection lost" };
    try {
      await this.#limiter.take();
      const conn = this.#conn;
      if (!conn?.alive || this.#state !== "bound") return { kind: "closed", reason: "connection lost" };
      const sentAt = Date.now();
      const outcome = await conn.request("submit_sm", fields, this.options.responseTimeoutMs, late);
      if (outcome.kind === "response") {
        const status = outcome.pdu.command_status;
        this.#limiter.answered(sentAt, status === Status.ESME_RTHROTTLED);
        // The SMSC no longer considers us bound: a fresh bind is the only way back.
        if (status === Status.ESME_RINVBNDSTS)
          this.#drop(conn, new Error("SMSC reports the session unbound"));
      }
      return outcome;
    } finally {
      this.#window.release();
    }
  }

  /**
   * Sends one query_sm through the window (not the pacer: the SMSC counts submits, and a query waiting
   * behind a throttled pace would only age). Never rejects.
   */
  async query(fields: PduFields): Promise<RequestOutcome> {
    if (!this.isBound()) return { kind: "closed", reason: "not bound" };
    if (!(await this.#window.acquire())) return { kind: "closed", reason: "connection lost" };
    try {
      const conn = this.#conn;
      if (!conn?.alive || this.#state !== "bound") return { kind: "closed", reason: "connection lost" };
      return await this.#request(conn, "query_sm", fields);
    } finally {
      this.#window.release();
    }
  }

  /** Answers still awaited get up to STOP_WAIT_MS, then unbind, close, and no reconnect. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
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
      await conn.whenIdle(wait);
      if (conn.alive) {
        const outcome = await this.#request(conn, "unbind", {}, wait);
        if (outcome.kind !== "response") this.#log.warn({ outcome: outcome.kind }, "unbind not answered");
      }
    }
    await conn.closeCleanly();
    this.#drop(conn, undefined);
    this.#state = "stopped";
  }

  #connect(): void {
    this.#state = "connecting";
    try {
      this.#conn = dial(this.options, this.options.responseTimeoutMs, this.#dialHandlers);
    } catch (error) {
      this.#log.warn({ err: error }, "SMPP connect failed");
      this.#state = "idle";
      this.#scheduleReconnect();
    }
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
    startWatchdog(conn, this.options.enquireLinkSeconds * 1000, this.options.responseTimeoutMs, (error) =>
      this.#drop(conn, error),
    );
    this.#log.info({ host: o.host, port: o.port }, "SMPP bound");
    this.#emitSafely("up");
  }

  #request(conn: Connection, command: string, fields: PduFields, timeoutMs = this.options.responseTimeoutMs) {
    return conn.request(command, fields, timeoutMs);
  }

  /**
   * Ends a connection once (see Connection.end), frees queued submits, emits `down` if it was bound and
   * schedules the next attempt.
   */
  #drop(conn: Connection, error: Error | undefined, graceful = false): void {
    if (!conn.end(graceful)) return;
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

  /** A throwing listener must not take the session down with it. False if one threw. */
  #emitSafely<K extends keyof SessionEvents>(event: K, ...args: SessionEvents[K]): boolean {
    try {
      (this.emit as (event: K, ...args: SessionEvents[K]) => boolean)(event, ...args);
      return true;
    } catch (error) {
      this.#log.error({ err: error, event }, "listener failed");
      return false;
    }
  }
}
