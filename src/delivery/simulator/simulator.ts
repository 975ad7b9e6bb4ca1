/**
 * The built-in SMSC: an SMPP server (smpp.createServer) that binds ESMEs, answers submit_sm according to a
 * named scenario, sends receipts later and can inject messages from handsets. Nothing is logged per submit
 * above debug level, so it keeps up with thousands of submits per second.
 *
 * This file is the server's lifecycle and public face; each connection is connection.ts's (with bind.ts
 * and submit.ts), receipts are receipts.ts's, and esme.ts holds what one connection is.
 */
import { EventEmitter } from "node:events";
import { type Logger, pino } from "pino";
import { encodeText } from "../../core/encoding/index.js";
import { createLibServer, createPdu, type LibServer } from "../smpp/lib.js";
import { Status } from "../smpp/status.js";
import type { AlphabetOptions } from "../smpp/text-codec.js";
import { concatReference } from "../smpp/udh.js";
import { acceptConnection, type ConnectionParts } from "./connection.js";
import { deliver, receiverFor, type SimSession } from "./esme.js";
import {
  type ScenarioName,
  type ScenarioOptions,
  SIMULATOR_DEFAULTS,
  type SimulatorOptions,
} from "./options.js";
import { inboundFields } from "./pdus.js";
import { MessageLedger } from "./ledger.js";
import { ReceiptSender } from "./receipts.js";
import { ScenarioEngine } from "./scenarios.js";
import { type MessageRecord, SimulatorStats, type SubmitRecord } from "./stats.js";
import { firstIdOfRun, SubmitHandler } from "./submit.js";
import { Timers } from "./timers.js";

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

export class Simulator extends EventEmitter<SimulatorEvents> {
  readonly host: string;
  readonly stats: SimulatorStats;
  #port = 0;
  #server: LibServer | undefined;
  readonly #sessions = new Set<SimSession>();
  readonly #timers = new Timers();
  readonly #receipts: ReceiptSender;
  readonly #ledger: MessageLedger;
  readonly #connectionParts: ConnectionParts;
  readonly #engine: ScenarioEngine;
  readonly #alphabet: AlphabetOptions;
  readonly #log: Logger;
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
    const maxRecords = options.maxRecords ?? SIMULATOR_DEFAULTS.maxRecords;
    this.#ledger = new MessageLedger(maxRecords, options.firstId ?? firstIdOfRun(), options.journal);
    this.#receipts = new ReceiptSender(this.#sessions, this.stats, this.#timers, options, this.#ledger);
    this.#receipts.restore(this.#ledger.owed());
    const submits = new SubmitHandler({
      options,
      engine: this.#engine,
      alphabet: this.#alphabet,
      stats: this.stats,
      timers: this.#timers,
      receipts: this.#receipts,
      ledger: this.#ledger,
      accepted: (record, message) => {
        this.emit("submit", record);
        if (message) this.emit("message", message);
      },
    });
    this.#connectionParts = {
      options,
      stats: this.stats,
      receipts: this.#receipts,
      bound: (info) => this.emit("bind", info),
      sessions: this.#sessions,
      submits,
      ledger: this.#ledger,
      log: this.#log,
    };
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
    const server = createLibServer(tls ? { key: tls.key, cert: tls.cert } : {}, (lib) => {
      if (this.#closed) lib.destroy();
      else acceptConnection(lib, this.#connectionParts);
    });
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
    const target = receiverFor(this.#sessions, message.systemId);
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
      const status = await deliver(target, fields);
      if (status === -1) throw new Error("the inbound deliver_sm got no answer");
      if (status !== Status.ESME_ROK)
        throw new Error(`the inbound deliver_sm was refused with status ${status}`);
    }
    this.stats.inboundSent++;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#timers.close();
    this.#receipts.close();
    this.#ledger.close();
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
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const simulator = new Simulator(options);
  await simulator.listen();
  return simulator;
}
