/**
 * The built-in SMSC: an SMPP server (smpp.createServer) that binds ESMEs, answers submit_sm according to a
 * named scenario, sends receipts later and can inject messages from handsets. Nothing is logged per submit
 * above debug level, so it keeps up with thousands of submits per second.
 */
import { EventEmitter } from "node:events";
import { type Logger, pino } from "pino";
import { encodeText } from "../../core/encoding/index.js";
import { deliverFieldsOf } from "../smpp/deliver.js";
import {
  coalesceWrites,
  createLibServer,
  createPdu,
  type LibServer,
  type LibSession,
  type Pdu,
} from "../smpp/lib.js";
import { Status } from "../smpp/status.js";
import type { AlphabetOptions } from "../smpp/text-codec.js";
import { concatReference } from "../smpp/udh.js";
import {
  type ScenarioName,
  type ScenarioOptions,
  SIMULATOR_DEFAULTS,
  type SimulatorOptions,
} from "./options.js";
import { formatId, inboundFields, receiptFields } from "./pdus.js";
import { submitRecord } from "./record.js";
import { type PlannedReceipt, ScenarioEngine, wantsReceipt } from "./scenarios.js";
import { type MessageRecord, SimulatorStats, type SubmitRecord } from "./stats.js";

export interface SimulatorEvents {
  submit: [SubmitRecord];
  message: [MessageRecord];
  bind: [{ systemId: string; bindType: string }];
}

export interface InboundMessage {
  from: string;
  to: string;
  text: string;
  /** Deliver to a bind of this system_id only. */
  systemId?: string;
}

interface SimSession {
  lib: LibSession;
  systemId: string;
  bindType: "transceiver" | "transmitter" | "receiver" | undefined;
  submits: number;
  outstanding: number;
  /** deliver_sm sent and not yet answered: settled with -1 when the connection goes. */
  unanswered: Set<(status: number) => void>;
}

const BIND_TYPES: Record<string, SimSession["bindType"]> = {
  bind_transceiver: "transceiver",
  bind_transmitter: "transmitter",
  bind_receiver: "receiver",
};
/** Ids start here so that hex and decimal forms never look alike ("1A2B3C00" vs "439041024"). */
const FIRST_ID = 0x1a2b3c00;
const DELIVER_RESPONSE_TIMEOUT_MS = 5000;
/** A receipt is offered this many times before the simulator gives up on it. */
const RECEIPT_ATTEMPTS = 10;

export class Simulator extends EventEmitter<SimulatorEvents> {
  readonly host: string;
  readonly stats: SimulatorStats;
  #port = 0;
  #server: LibServer | undefined;
  readonly #sessions = new Set<SimSession>();
  readonly #timers = new Set<NodeJS.Timeout>();
  /** Receipts for a system_id with no receiving bind at the moment; sent when one binds (as an SMSC stores them). */
  readonly #queuedReceipts = new Map<string, QueuedReceipt[]>();
  readonly #engine: ScenarioEngine;
  readonly #alphabet: AlphabetOptions;
  readonly #log: Logger;
  #nextId = FIRST_ID;
  #inboundRef = 0;
  #closed = false;

  constructor(private readonly options: SimulatorOptions) {
    super();
    this.host = options.host ?? SIMULATOR_DEFAULTS.host;
    this.stats = new SimulatorStats(options.maxRecords ?? SIMULATOR_DEFAULTS.maxRecords);
    this.#engine = new ScenarioEngine(
      options.scenario ?? SIMULATOR_DEFAULTS.scenario,
      options.scenarioOptions ?? {},
      options.receiptDelayMs ?? SIMULATOR_DEFAULTS.receiptDelayMs,
      options.seed,
    );
    this.#alphabet = {
      gsm7Packing: options.gsm7Packing ?? SIMULATOR_DEFAULTS.gsm7Packing,
      defaultAlphabet: options.defaultAlphabet ?? SIMULATOR_DEFAULTS.defaultAlphabet,
    };
    this.#log = (options.logger ?? pino({ level: "silent" })).child({ component: "smsc-simulator" });
  }

  get port(): number {
    return this.#port;
  }

  get scenario(): ScenarioName {
    return this.#engine.name;
  }

  /** Binds currently open, by type. */
  get boundSessions(): number {
    return [...this.#sessions].filter((s) => s.bindType !== undefined).length;
  }

  setScenario(name: ScenarioName, options: ScenarioOptions = {}): void {
    this.#engine.set(name, options);
    this.#log.info({ scenario: name, options }, "scenario changed");
  }

  async listen(): Promise<void> {
    const tls = this.options.tls;
    const server = createLibServer(tls ? { key: tls.key, cert: tls.cert } : {}, (lib) =>
      this.#onSession(lib),
    );
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.options.port ?? SIMULATOR_DEFAULTS.port, this.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.on("error", (error) => this.#log.error({ err: error }, "simulator server error"));
    // tls.Server reports a failed handshake here rather than on a session
    server.on("tlsClientError", (error) => this.#log.debug({ err: error }, "TLS handshake failed"));
    const address = server.address();
    this.#port = typeof address === "object" && address ? address.port : 0;
    this.#log.info(
      { host: this.host, port: this.#port, scenario: this.scenario },
      "SMSC simulator listening",
    );
  }

  /** Sends a message from a handset to a bound receiver (or transceiver); resolves when it is acknowledged. */
  async sendInbound(message: InboundMessage): Promise<void> {
    const target = this.#receiverFor(message.systemId);
    if (!target) throw new Error("no receiving bind to deliver the inbound message to");
    const encoded = encodeText(message.text);
    this.#inboundRef = (this.#inboundRef + 1) & 0xff;
    const ref = concatReference(`${message.from}|${message.to}|${this.#inboundRef}`, 8);
    const pdus = inboundFields(
      message.from,
      message.to,
      encoded.parts,
      encoded.encoding,
      this.#alphabet,
      ref,
    );
    for (const fields of pdus) {
      const status = await this.#deliver(target, fields);
      if (status === -1) throw new Error("the inbound deliver_sm got no answer");
      if (status !== Status.ESME_ROK)
        throw new Error(`the inbound deliver_sm was refused with status ${status}`);
    }
    this.stats.inboundSent++;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#queuedReceipts.clear();
    this.stats.close();
    const server = this.#server;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const session of this.#sessions) {
      // Unbind like a real SMSC going down, then close; a peer that does not answer is cut off.
      if (session.bindType) session.lib.send(createPdu("unbind"));
      session.lib.close();
      const timer = setTimeout(() => session.lib.destroy(), 200);
      session.lib.socket.once("close", () => clearTimeout(timer));
    }
    await closed;
  }

  #onSession(lib: LibSession): void {
    const session: SimSession = {
      lib,
      systemId: "",
      bindType: undefined,
      submits: 0,
      outstanding: 0,
      unanswered: new Set(),
    };
    if (this.#closed) {
      lib.destroy();
      return;
    }
    this.#sessions.add(session);
    lib.socket.setNoDelay(true); // small PDUs: no Nagle delay on answers
    coalesceWrites(lib.socket);
    lib.on("error", (error: Error) => {
      this.#log.debug({ err: error.message }, "ESME connection error");
      lib.destroy();
    });
    lib.on("close", () => {
      this.#sessions.delete(session);
      session.bindType = undefined;
      for (const settle of [...session.unanswered]) settle(-1);
    });
    lib.on("pdu", (pdu: Pdu) => {
      try {
        this.#onPdu(session, pdu);
      } catch (error) {
        this.#log.error({ err: error, command: pdu.command }, "simulator failed on a PDU");
        lib.send(pdu.response({ command_status: Status.ESME_RSYSERR }));
      }
    });
  }

  #onPdu(session: SimSession, pdu: Pdu): void {
    if (pdu.isResponse()) return; // deliver_sm_resp etc. are matched by the library's callbacks
    const bindType = BIND_TYPES[pdu.command];
    if (bindType) {
      this.#onBind(session, pdu, bindType);
      return;
    }
    switch (pdu.command) {
      case "submit_sm":
        this.#onSubmit(session, pdu);
        return;
      case "enquire_link":
        this.stats.enquireLinks++;
        session.lib.send(pdu.response());
        return;
      case "unbind":
        this.stats.unbinds++;
        session.bindType = undefined;
        session.lib.send(pdu.response());
        session.lib.close();
        return;
      default:
        session.lib.send(
          createPdu("generic_nack", {
            sequence_number: pdu.sequence_number,
            command_status: Status.ESME_RINVCMDID,
          }),
        );
    }
  }

  #onBind(session: SimSession, pdu: Pdu, bindType: NonNullable<SimSession["bindType"]>): void {
    const { systemId, password } = this.options;
    let status: number = Status.ESME_ROK;
    if (session.bindType)
      status = 0x05; // ESME_RALYBND
    else if (systemId !== undefined && pdu.system_id !== systemId) status = Status.ESME_RBINDFAIL;
    else if (password !== undefined && pdu.password !== password) status = Status.ESME_RINVPASWD;
    if (status !== Status.ESME_ROK) {
      this.stats.bindFailures++;
      session.lib.send(pdu.response({ command_status: status }));
      if (status !== 0x05) session.lib.close();
      return;
    }
    session.bindType = bindType;
    session.systemId = String(pdu.system_id ?? "");
    this.stats.binds++;
    session.lib.send(pdu.response({ system_id: "STARLINGSIM" }));
    this.emit("bind", { systemId: session.systemId, bindType });
    if (bindType !== "transmitter") this.#flushQueuedReceipts(session.systemId);
  }

  #onSubmit(session: SimSession, pdu: Pdu): void {
    const lib = session.lib;
    if (!session.bindType || session.bindType === "receiver") {
      lib.send(pdu.response({ command_status: Status.ESME_RINVBNDSTS }));
      return;
    }
    this.stats.submitsReceived++;
    session.submits++;
    session.outstanding++;
    this.stats.maxOutstanding = Math.max(this.stats.maxOutstanding, session.outstanding);
    const fields = deliverFieldsOf(pdu);
    const decision = this.#engine.decide({
      destination: fields.destAddr,
      connectionSubmits: session.submits,
      now: Date.now(),
    });
    switch (decision.action) {
      case "drop":
        this.stats.droppedConnections++;
        lib.destroy();
        return;
      case "blackhole":
        this.stats.blackholed++;
        return;
      case "refuse":
        if (decision.status === Status.ESME_RTHROTTLED) this.stats.throttled++;
        else this.stats.rejected++;
        this.#respond(session, pdu.response({ command_status: decision.status }));
        return;
      case "accept": {
        const id = this.#nextId++;
        const idFormat = this.options.idFormat ?? SIMULATOR_DEFAULTS.idFormat;
        const ids = {
          smscId: formatId(id, idFormat),
          receiptId: formatId(id, this.options.receiptIdFormat ?? idFormat, this.options.receiptIdPad ?? 0),
          systemId: session.systemId,
        };
        const record = submitRecord(pdu, fields, ids, this.#alphabet);
        const message = this.stats.recordAccepted(record);
        this.#respond(session, pdu.response({ message_id: record.smscId }));
        this.emit("submit", record);
        if (message) this.emit("message", message);
        if (wantsReceipt(record.registeredDelivery, decision.receipt.state)) {
          this.#later(decision.receipt.delayMs, () => this.#sendReceipt(session, record, decision.receipt));
        }
      }
    }
  }

  #respond(session: SimSession, response: Pdu): void {
    const delay = this.options.responseDelayMs ?? SIMULATOR_DEFAULTS.responseDelayMs;
    const send = () => {
      session.outstanding = Math.max(0, session.outstanding - 1);
      session.lib.send(response);
    };
    if (delay > 0) this.#later(delay, send);
    else send();
  }

  /**
   * To the bind the submit came on if it can receive, else any receiving bind of the same system_id. As a
   * real SMSC does, a receipt that gets no deliver_sm_resp (or an error) is sent again: on the next bind if
   * the connection went, else after receiptRetryMs.
   */
  #sendReceipt(
    origin: SimSession | undefined,
    record: SubmitRecord,
    receipt: PlannedReceipt,
    attempt = 1,
  ): void {
    const target =
      origin && canReceive(origin) && !origin.lib.socket.destroyed
        ? origin
        : this.#receiverFor(record.systemId);
    if (!target) {
      this.#queueReceipt({ record, receipt, attempt });
      return;
    }
    const fields = receiptFields(record, receipt.state, receipt.error, this.options.receiptTlvs ?? true);
    if (attempt === 1) this.stats.receiptsSent++;
    else this.stats.receiptsResent++;
    void this.#deliver(target, fields).then((status) => {
      if (status === Status.ESME_ROK) {
        this.stats.receiptsAcknowledged++;
        return;
      }
      if (this.#closed || attempt >= RECEIPT_ATTEMPTS) return;
      const next: QueuedReceipt = { record, receipt, attempt: attempt + 1 };
      if (status === -1 && !this.#receiverFor(record.systemId)) this.#queueReceipt(next);
      else {
        const retryMs = this.options.receiptRetryMs ?? SIMULATOR_DEFAULTS.receiptRetryMs;
        this.#later(retryMs, () => this.#sendReceipt(undefined, record, receipt, next.attempt));
      }
    });
  }

  #queueReceipt(item: QueuedReceipt): void {
    const queue = this.#queuedReceipts.get(item.record.systemId) ?? [];
    queue.push(item);
    this.#queuedReceipts.set(item.record.systemId, queue);
  }

  #flushQueuedReceipts(systemId: string): void {
    const queue = this.#queuedReceipts.get(systemId);
    if (!queue) return;
    this.#queuedReceipts.delete(systemId);
    for (const { record, receipt, attempt } of queue) {
      this.#later(0, () => this.#sendReceipt(undefined, record, receipt, attempt));
    }
  }

  #receiverFor(systemId: string | undefined): SimSession | undefined {
    for (const session of this.#sessions) {
      if (canReceive(session) && (systemId === undefined || session.systemId === systemId)) return session;
    }
    return undefined;
  }

  /** Sends a deliver_sm; resolves with the command_status of its response (-1 if none came). */
  #deliver(session: SimSession, fields: Record<string, unknown>): Promise<number> {
    return new Promise((resolve) => {
      const settle = (status: number) => {
        clearTimeout(timer);
        session.unanswered.delete(settle);
        resolve(status);
      };
      const timer = setTimeout(() => settle(-1), DELIVER_RESPONSE_TIMEOUT_MS);
      timer.unref();
      session.unanswered.add(settle);
      const sent = session.lib.send(createPdu("deliver_sm", fields), (response: Pdu) =>
        settle(response.command_status),
      );
      if (!sent) settle(-1);
    });
  }

  #later(ms: number, fn: () => void): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
  }
}

interface QueuedReceipt {
  record: SubmitRecord;
  receipt: PlannedReceipt;
  attempt: number;
}

function canReceive(session: SimSession): boolean {
  return session.bindType === "transceiver" || session.bindType === "receiver";
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const simulator = new Simulator(options);
  await simulator.listen();
  return simulator;
}
