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
import { Connection, type RequestOutcome } from "./connection.js";
import {
  coalesceWrites,
  connectSession,
  createPdu,
  type LibSession,
  type Pdu,
  type PduFields,
} from "./lib.js";
import { RateLimiter } from "./rate-limiter.js";
import { Status, statusName } from "./status.js";
import { RequestWindow } from "./window.js";

export type { RequestOutcome } from "./connection.js";

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

/**
 * Handed to `deliver` listeners. Without defer() the SMSC gets its deliver_sm_resp at once; with it, only
 * once the work settles: ROK if it succeeded, ESME_RX_T_APPN (send it again later) if it failed or took
 * longer than the response timeout. So a receipt is acknowledged only after it was stored.
 */
export interface DeliverAck {
  defer(work: Promise<unknown>): void;
}

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

  /** Starts connecting; reconnects by itself until stop(). A stopped session may be started again. */
  start(): void {
    if (this.#conn || this.#reconnectTimer) return; // already running
    this.#stopping = false;
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
    const conn = new Connection(lib);
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
      coalesceWrites(lib.socket);
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
    return conn.request(command, fields, timeoutMs);
  }

  #onPdu(conn: Connection, pdu: Pdu): void {
    if (!conn.alive) return;
    if (pdu.isResponse()) {
      // generic_nack is a response too: it settles the request it names with its error status
      if (!conn.settle(pdu.sequence_number, { kind: "response", pdu })) {
        const acceptedLate = pdu.command === "submit_sm_resp" && pdu.command_status === Status.ESME_ROK;
        // Reported as a temporary failure already: a retry of this message may reach the handset twice.
        if (acceptedLate) this.#log.warn({ smscId: pdu.message_id }, "submit_sm accepted after its timeout");
        else
          this.#log.debug(
            { command: pdu.command, seq: pdu.sequence_number },
            "response to no pending request",
          );
      }
      return;
    }
    switch (pdu.command) {
      case "deliver_sm":
      case "data_sm":
        this.#onDeliver(conn, pdu);
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

  #onDeliver(conn: Connection, pdu: Pdu): void {
    const work: Promise<unknown>[] = [];
    const handled = this.#emitSafely("deliver", pdu, { defer: (p) => work.push(p) });
    if (work.length === 0) {
      // a listener that threw has not taken the message: ask the SMSC to send it again
      this.#reply(conn, handled ? pdu.response() : pdu.response({ command_status: Status.ESME_RX_T_APPN }));
      return;
    }
    void settledWithin(Promise.all(work), this.options.responseTimeoutMs).then((ok) => {
      if (!ok)
        this.#log.warn({ seq: pdu.sequence_number }, "deliver_sm not processed; the SMSC will resend it");
      if (conn.alive)
        this.#reply(conn, ok ? pdu.response() : pdu.response({ command_status: Status.ESME_RX_T_APPN }));
    });
  }

  #reply(conn: Connection, pdu: Pdu): void {
    const error = conn.reply(pdu);
    if (error) this.#log.warn({ err: error, command: pdu.command }, "could not answer the SMSC");
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

/** True if `work` fulfilled within `ms`; false if it rejected or is still running. */
function settledWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    work.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(false);
      },
    );
  });
}
