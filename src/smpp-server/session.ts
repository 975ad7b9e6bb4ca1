/**
 * One customer connection: its bind state, the window of its requests we have not answered, the
 * deliver_sm we sent it and await answers for, and the enquire_link watchdog (we ask after a quiet
 * period; an ESME that does not answer is dropped).
 */
import type { Logger } from "pino";
import {
  coalesceWrites,
  createPdu,
  type LibSession,
  type Pdu,
  type PduFields,
} from "../delivery/smpp/lib.js";
import { RequestWindow } from "../delivery/smpp/window.js";
import type { AccountProfile } from "../store/ports/index.js";
import { installTolerantReader } from "./framing.js";

export type BindType = "transmitter" | "receiver" | "transceiver";

export interface SessionEvents {
  pdu(session: CustomerSession, pdu: Pdu): void;
  malformed(session: CustomerSession, commandId: number, sequenceNumber: number): void;
  closed(session: CustomerSession): void;
}

export interface SessionTimes {
  /** Our own requests (deliver_sm, enquire_link) outstanding at most, like the window we grant the ESME. */
  window: number;
  enquireLinkMs: number;
  bindTimeoutMs: number;
  responseTimeoutMs: number;
}

export class CustomerSession {
  bindType: BindType | undefined;
  account: AccountProfile | undefined;
  keyId = 0;
  systemId = "";
  /** Requests of the ESME not answered yet. */
  outstanding = 0;
  closed = false;
  readonly ip: string;
  #lastHeard = Date.now();
  #probing = false;
  readonly #unanswered = new Set<(status: number) => void>();
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #window: RequestWindow;

  constructor(
    readonly lib: LibSession,
    private readonly times: SessionTimes,
    events: SessionEvents,
    private readonly log: Logger,
  ) {
    this.ip = lib.socket.remoteAddress ?? "unknown";
    this.#window = new RequestWindow(times.window);
    lib.socket.setNoDelay(true);
    coalesceWrites(lib.socket);
    installTolerantReader(lib, {
      pdu: (pdu) => {
        this.#lastHeard = Date.now();
        events.pdu(this, pdu);
      },
      malformed: (commandId, seq) => {
        this.#lastHeard = Date.now();
        events.malformed(this, commandId, seq);
      },
      lostFraming: (length) => {
        log.debug({ length }, "PDU length out of range; closing");
        this.send(createPdu("generic_nack", { command_status: 0x02 })); // ESME_RINVCMDLEN
        this.close();
      },
    });
    lib.on("error", (error: Error) => {
      log.debug({ err: error.message }, "ESME connection error");
      lib.destroy();
    });
    lib.on("close", () => {
      this.closed = true;
      for (const t of this.#timers) clearTimeout(t);
      for (const settle of [...this.#unanswered]) settle(-1);
      this.#window.rejectWaiting();
      events.closed(this);
    });
    const bindTimer = setTimeout(() => {
      if (!this.bindType) this.close();
    }, times.bindTimeoutMs);
    const watchdog = setInterval(() => this.#watch(), Math.max(100, Math.floor(times.enquireLinkMs / 2)));
    bindTimer.unref();
    watchdog.unref();
    this.#timers.push(bindTimer, watchdog);
  }

  get canReceive(): boolean {
    return this.bindType === "receiver" || this.bindType === "transceiver";
  }

  get canTransmit(): boolean {
    return this.bindType === "transmitter" || this.bindType === "transceiver";
  }

  /** Answers one of the ESME's requests (frees its place in the window). */
  answer(response: Pdu): void {
    this.outstanding = Math.max(0, this.outstanding - 1);
    this.send(response);
  }

  send(pdu: Pdu, onResponse?: (pdu: Pdu) => void): boolean {
    if (this.closed) return false;
    return this.lib.send(pdu, onResponse);
  }

  /** Sends a request; resolves with its response's command_status, -1 if none came in time or the bind went. */
  async request(command: string, fields: PduFields): Promise<number> {
    if (this.closed || !(await this.#window.acquire())) return -1;
    return new Promise((resolve) => {
      let settled = false;
      const settle = (status: number) => {
        if (settled) return; // a late answer after the timeout
        settled = true;
        clearTimeout(timer);
        this.#unanswered.delete(settle);
        this.#window.release();
        resolve(status);
      };
      const timer = setTimeout(() => settle(-1), this.times.responseTimeoutMs);
      timer.unref();
      this.#unanswered.add(settle);
      if (!this.send(createPdu(command, fields), (response) => settle(response.command_status))) settle(-1);
    });
  }

  /** Unbinds politely, then closes; an ESME that does not answer the unbind is cut off. */
  async unbind(): Promise<void> {
    if (this.closed) return;
    if (this.bindType)
      await Promise.race([this.request("unbind", {}), new Promise((r) => setTimeout(r, 500))]);
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.lib.close();
    const timer = setTimeout(() => this.lib.destroy(), 500);
    timer.unref();
  }

  #watch(): void {
    if (this.closed || this.#probing || Date.now() - this.#lastHeard < this.times.enquireLinkMs) return;
    this.#probing = true;
    void this.request("enquire_link", {}).then((status) => {
      this.#probing = false;
      if (status === -1 && !this.closed) {
        this.log.info({ systemId: this.systemId }, "ESME did not answer enquire_link; dropping the bind");
        this.lib.destroy();
      }
    });
  }
}
