/**
 * submit_sm as the scenario decides: accept it (an id, perhaps a receipt later), refuse it with a status,
 * never answer it (blackhole), or drop the connection. Answers wait responseDelayMs when that is set.
 */
import { deliverFieldsOf } from "../smpp/deliver.js";
import type { Pdu } from "../smpp/lib.js";
import { Status } from "../smpp/status.js";
import type { AlphabetOptions } from "../smpp/text-codec.js";
import type { SimSession } from "./esme.js";
import { SIMULATOR_DEFAULTS, type SimulatorOptions } from "./options.js";
import { formatId } from "./pdus.js";
import { type MessageLedger, receiptRecordOf } from "./ledger.js";
import type { ReceiptSender } from "./receipts.js";
import { submitRecord } from "./record.js";
import { type ScenarioEngine, wantsReceipt } from "./scenarios.js";
import type { MessageRecord, SimulatorStats, SubmitRecord } from "./stats.js";
import type { Timers } from "./timers.js";

/**
 * The first id of a run: the start time in microseconds. A real SMSC's counter may restart (Starling copes,
 * see receipt matching), but the simulator's should not: ids of two runs would only meet if a run handed
 * out more than a million ids a second. Below 2^53, so a double counts on exactly.
 */
export function firstIdOfRun(now = Date.now()): number {
  return now * 1000;
}

export interface SubmitHandlerParts {
  options: SimulatorOptions;
  engine: ScenarioEngine;
  alphabet: AlphabetOptions;
  stats: SimulatorStats;
  timers: Timers;
  receipts: ReceiptSender;
  /** The SMSC's book of accepted messages (query_sm, receipts owed across a restart). */
  ledger: MessageLedger;
  /** Called once a submit was accepted and answered; `message` when it completed a whole message. */
  accepted(record: SubmitRecord, message: MessageRecord | undefined): void;
}

export class SubmitHandler {
  #nextId: number;

  constructor(private readonly parts: SubmitHandlerParts) {
    this.#nextId = parts.ledger.nextId;
  }

  handle(session: SimSession, pdu: Pdu): void {
    const { stats, options } = this.parts;
    const lib = session.lib;
    if (!session.bindType || session.bindType === "receiver") {
      lib.send(pdu.response({ command_status: Status.ESME_RINVBNDSTS }));
      return;
    }
    stats.submitsReceived++;
    session.submits++;
    session.outstanding++;
    stats.maxOutstanding = Math.max(stats.maxOutstanding, session.outstanding);
    const fields = deliverFieldsOf(pdu);
    const decision = this.parts.engine.decide({
      destination: fields.destAddr,
      connectionSubmits: session.submits,
      now: Date.now(),
    });
    switch (decision.action) {
      case "drop":
        stats.droppedConnections++;
        lib.destroy();
        return;
      case "blackhole":
        stats.blackholed++;
        return;
      case "refuse":
        if (decision.status === Status.ESME_RTHROTTLED) stats.throttled++;
        else stats.rejected++;
        this.#respond(session, pdu.response({ command_status: decision.status }));
        return;
      case "accept": {
        const id = this.#nextId++;
        const idFormat = options.idFormat ?? SIMULATOR_DEFAULTS.idFormat;
        const ids = {
          smscId: formatId(id, idFormat),
          receiptId: formatId(id, options.receiptIdFormat ?? idFormat, options.receiptIdPad ?? 0),
          systemId: session.systemId,
        };
        const record = submitRecord(pdu, fields, ids, this.parts.alphabet);
        const message = stats.recordAccepted(record);
        const owed =
          !decision.receipt.lost && wantsReceipt(record.registeredDelivery, decision.receipt.state);
        // Booked (and journalled) before the ESME learns the id: what it was told survives a crash.
        this.parts.ledger.accepted({
          n: id,
          record: receiptRecordOf(record),
          receipt: decision.receipt,
          doneAt: record.receivedAt + decision.receipt.delayMs,
          owed,
        });
        if (decision.loseResponse) {
          // Accepted, and the receipt will come, but the ESME never learns the id (lose_responses).
          stats.responsesLost++;
          session.outstanding = Math.max(0, session.outstanding - 1);
          if (decision.loseResponse === "cut") {
            stats.droppedConnections++;
            lib.destroy();
          }
        } else this.#respond(session, pdu.response({ message_id: record.smscId }));
        this.parts.accepted(record, message);
        if (owed) this.parts.receipts.schedule(session, record, decision.receipt);
      }
    }
  }

  #respond(session: SimSession, response: Pdu): void {
    const delay = this.parts.options.responseDelayMs ?? SIMULATOR_DEFAULTS.responseDelayMs;
    const send = () => {
      session.outstanding = Math.max(0, session.outstanding - 1);
      session.lib.send(response);
    };
    if (delay > 0) this.parts.timers.later(delay, send);
    else send();
  }
}
