/**
 * The SMPP adapter of the Connector port: one transceiver bind, or a transmitter plus a receiver bind.
 * submit() never rejects; every outcome, including a timeout or a lost connection, is a SubmitResult.
 */
import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import type {
  Connector,
  ConnectorEvents,
  InboundEvent,
  QueryResult,
  ReceiptEvent,
  SubmitFailureKind,
  SubmitRequest,
  SubmitResult,
} from "../connector.js";
import { emitAcknowledgeable } from "./acknowledge.js";
import { sourceAddress } from "./address.js";
import { resolveSmppConfig, type SmppConnectorConfig, type SmppConnectorInput } from "./config.js";
import { deliverFieldsOf, isReceiptEsmClass } from "./deliver.js";
import { decodeInbound, type InboundPart } from "./inbound.js";
import type { LateAnswer } from "./connection.js";
import type { Pdu } from "./lib.js";
import { normaliseSmscId } from "./message-id.js";
import { buildSubmitPdus } from "./pdu.js";
import { Reassembler } from "./reassembly.js";
import { parseReceipt, stateFromNumber } from "./receipt.js";
import { type BindType, type DeliverAck, type RequestOutcome, SmppSession } from "./session.js";
import { classifySubmitStatus, Status, statusName } from "./status.js";

export class SmppConnector extends EventEmitter<ConnectorEvents> implements Connector {
  readonly id: string;
  readonly config: Readonly<SmppConnectorConfig>;
  readonly #tx: SmppSession;
  readonly #rx: SmppSession | undefined;
  readonly #parts: Reassembler<InboundPart>;
  readonly #log: Logger;

  constructor(input: SmppConnectorInput, logger: Logger) {
    super();
    this.config = resolveSmppConfig(input);
    this.id = this.config.id;
    this.#log = logger.child({ connector: this.id });
    this.#parts = new Reassembler<InboundPart>(this.config.inboundReassemblyMs, (parts) => {
      // A part never came: deliver what did rather than lose the message. Its parts were all answered
      // already, so there is nothing left to acknowledge and a failing listener was logged by #emit.
      if (parts.length > 0) this.#emitInbound(parts[0]!, parts.map((p) => p.text).join(""))?.catch(() => {});
    });
    const split = this.config.bindMode === "transmitter_receiver";
    this.#tx = this.#session(split ? "transmitter" : "transceiver");
    this.#rx = split ? this.#session("receiver") : undefined;
    this.#tx.on("up", () => this.#emit("up"));
    this.#tx.on("down", (error) => this.#emit("down", error));
  }

  /** Starts binding and returns at once: an unreachable SMSC must not hold up start-up (see `up`). */
  async start(): Promise<void> {
    this.#tx.start();
    this.#rx?.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.#tx.stop(), this.#rx?.stop()]);
    this.#parts.clear();
  }

  isUp(): boolean {
    return this.#tx.isBound();
  }

  /** Window use and pace of the submitting bind. */
  get load(): { inFlight: number; waiting: number; rate: number } {
    return this.#tx.load;
  }

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    try {
      if (!this.#tx.isBound()) return failure("temporary", "connector down", []);
      let pdus: ReturnType<typeof buildSubmitPdus>;
      try {
        pdus = buildSubmitPdus(request, this.config);
      } catch (error) {
        return failure("permanent", (error as Error).message, []);
      }
      const smscIds: string[] = [];
      // Parts accepted in an earlier attempt are on the network already: resume after them.
      const remaining = pdus.slice(request.firstPart ?? 0);
      for (const [index, fields] of remaining.entries()) {
        // The last part's answer may come after its timeout: then the whole message was accepted after all.
        const late = index === remaining.length - 1 ? this.#lateAnswer([...smscIds]) : undefined;
        const outcome = await this.#tx.submit(fields, late?.answer, request.transactional === true);
        const id = acceptedId(outcome);
        if (id === undefined) {
          const result = this.#failed(request, outcome, smscIds);
          if (late && outcome.kind === "timeout" && !result.ok) result.late = late.ids;
          return result;
        }
        smscIds.push(this.#normaliseSubmitId(id));
      }
      return { ok: true, smscIds };
    } catch (error) {
      this.#log.error({ err: error, messageId: request.messageId }, "submit failed unexpectedly");
      return failure("temporary", `internal error: ${(error as Error).message}`, []);
    }
  }

  /** query_sm for a message this connector submitted; `smscId` in its stored (receipt) form. */
  async query(smscId: string, source: string): Promise<QueryResult> {
    const c = this.config;
    const id = normaliseSmscId(smscId, c.receiptIdFormat, c.submitIdFormat ?? c.receiptIdFormat);
    const from = sourceAddress(source, c.sourceTon, c.sourceNpi);
    const outcome = await this.#tx.query({
      message_id: id,
      source_addr_ton: from.ton,
      source_addr_npi: from.npi,
      source_addr: from.addr,
    });
    if (outcome.kind !== "response") {
      return {
        kind: "failed",
        reason: outcome.kind === "timeout" ? "query_sm not answered" : `query_sm: ${outcome.kind}`,
      };
    }
    const status = outcome.pdu.command_status;
    if (status === Status.ESME_RQUERYFAIL || status === Status.ESME_RINVMSGID) {
      return { kind: "unknown", reason: `SMSC answered ${statusName(status)}` };
    }
    if (status !== Status.ESME_ROK) return { kind: "failed", reason: `SMSC answered ${statusName(status)}` };
    const state = stateFromNumber(Number(outcome.pdu.message_state));
    const errorCode = Number(outcome.pdu.error_code ?? 0);
    return errorCode > 0 ? { kind: "state", state, errorCode } : { kind: "state", state };
  }

  #session(bindType: BindType): SmppSession {
    const c = this.config;
    const session = new SmppSession(
      {
        host: c.host,
        port: c.port,
        tls: c.tls,
        ...(c.tlsOptions ? { tlsOptions: c.tlsOptions } : {}),
        systemId: c.systemId,
        password: c.password,
        systemType: c.systemType,
        interfaceVersion: c.interfaceVersion,
        bindType,
        window: c.window,
        throughputPerSecond: c.throughputPerSecond,
        throttlePauseMs: c.throttlePauseMs,
        enquireLinkSeconds: c.enquireLinkSeconds,
        responseTimeoutMs: c.responseTimeoutMs,
        reconnect: c.reconnect,
      },
      this.#log,
    );
    if (bindType !== "transmitter") session.on("deliver", (pdu, ack) => this.#onDeliver(pdu, ack));
    return session;
  }

  /** Listens for a submit_sm_resp after the timeout: the ids of every part if it accepted the last one. */
  #lateAnswer(earlier: string[]): { answer: LateAnswer; ids: Promise<string[] | undefined> } {
    let receive: (pdu: Pdu | undefined) => void = () => {};
    const ids = new Promise<string[] | undefined>((resolve) => {
      receive = (pdu) => {
        const id = pdu && pdu.command_status === Status.ESME_ROK ? pdu.message_id : undefined;
        resolve(typeof id === "string" ? [...earlier, this.#normaliseSubmitId(id)] : undefined);
      };
    });
    return { answer: { windowMs: LATE_ANSWER_WINDOWS * this.config.responseTimeoutMs, receive }, ids };
  }

  #normaliseSubmitId(id: string): string {
    const c = this.config;
    return normaliseSmscId(id, c.submitIdFormat ?? c.receiptIdFormat, c.receiptIdFormat);
  }

  #failed(request: SubmitRequest, outcome: RequestOutcome, accepted: string[]): SubmitResult {
    const context = { messageId: request.messageId, acceptedParts: accepted.length };
    switch (outcome.kind) {
      case "response": {
        const status = outcome.pdu.command_status;
        const kind = classifySubmitStatus(status);
        this.#log.debug({ ...context, status: statusName(status) }, "submit_sm refused");
        return failure(kind, `SMSC answered ${statusName(status)}`, accepted, status);
      }
      case "timeout":
        this.#log.warn(context, "submit_sm not answered in time");
        return failure("unknown", `no submit_sm_resp within ${this.config.responseTimeoutMs} ms`, accepted);
      case "closed":
        return failure(
          outcome.sent ? "unknown" : "temporary",
          outcome.reason === "not bound" ? "connector down" : outcome.reason,
          accepted,
        );
      case "invalid":
        return failure("permanent", `cannot encode submit_sm: ${outcome.reason}`, accepted);
    }
  }

  #onDeliver(pdu: Pdu, ack: DeliverAck): void {
    const fields = deliverFieldsOf(pdu);
    if (isReceiptEsmClass(fields.esmClass)) {
      const parsed = parseReceipt(fields);
      if (!parsed) {
        this.#log.warn({ seq: pdu.sequence_number }, "receipt without a message id ignored");
        return;
      }
      const receipt: ReceiptEvent = {
        connectorId: this.id,
        smscId: normaliseSmscId(parsed.id, this.config.receiptIdFormat),
        state: parsed.state,
      };
      if (parsed.errorCode !== undefined) receipt.errorCode = parsed.errorCode;
      if (parsed.doneAt) receipt.doneAt = parsed.doneAt;
      // What finds a copy whose submit_sm_resp was lost (see core/delivery/unknown-receipts.ts).
      if (fields.sourceAddr) receipt.source = fields.sourceAddr;
      if (fields.destAddr) receipt.destination = fields.destAddr;
      if (parsed.submittedAt) receipt.submittedAt = parsed.submittedAt;
      if (parsed.text !== undefined) receipt.text = parsed.text;
      // Emitted at once, even when it overtook its submit's response: the store keeps a receipt whose part
      // is not recorded yet until it is (the one mechanism for early receipts, see store/sql/delivery).
      deferIfAny(
        ack,
        emitAcknowledgeable((event) => this.#emit("receipt", event), receipt),
      );
      return;
    }
    const part = decodeInbound(fields, this.config);
    if (!part.concat) {
      deferIfAny(ack, this.#emitInbound(part, part.text));
      return;
    }
    // Earlier parts are answered at once; the last one waits for the whole message to be taken.
    const all = this.#parts.add(`${part.from}|${part.to}`, part.concat, part);
    if (all) deferIfAny(ack, this.#emitInbound(part, all.map((p) => p.text).join("")));
  }

  #emitInbound(part: InboundPart, text: string): Promise<void> | undefined {
    const event: InboundEvent = {
      connectorId: this.id,
      from: part.from,
      to: part.to,
      text,
      receivedAt: new Date(),
    };
    return emitAcknowledgeable((e) => this.#emit("inbound", e), event);
  }

  /** A throwing listener is the app's bug; it must not break the session that called us. False if one threw. */
  #emit<K extends keyof ConnectorEvents>(event: K, ...args: ConnectorEvents[K]): boolean {
    try {
      (this.emit as (event: K, ...args: ConnectorEvents[K]) => boolean)(event, ...args);
      return true;
    } catch (error) {
      this.#log.error({ err: error, event }, "connector listener failed");
      return false;
    }
  }
}

/** A submit_sm_resp is still taken this many response timeouts after its request timed out. */
const LATE_ANSWER_WINDOWS = 6;

export function createSmppConnector(config: SmppConnectorInput, logger: Logger): SmppConnector {
  return new SmppConnector(config, logger);
}

/** The message_id of an accepted submit_sm_resp; undefined for every other outcome. */
function acceptedId(outcome: RequestOutcome): string | undefined {
  if (outcome.kind !== "response" || outcome.pdu.command_status !== 0) return undefined;
  const id = outcome.pdu.message_id;
  return typeof id === "string" ? id : "";
}

function deferIfAny(ack: DeliverAck, work: Promise<void> | undefined): void {
  if (work) ack.defer(work);
}

function failure(
  kind: SubmitFailureKind,
  reason: string,
  acceptedSmscIds: string[],
  commandStatus?: number,
): SubmitResult {
  return commandStatus === undefined
    ? { ok: false, kind, reason, acceptedSmscIds }
    : { ok: false, kind, reason, acceptedSmscIds, commandStatus };
}
