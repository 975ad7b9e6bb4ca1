/**
 * What the simulator saw, for tests to assert on (exactly-once delivery, text as the handset would show it,
 * window respected). Counters are always exact; the record lists are capped at maxRecords.
 */
import { Reassembler } from "../smpp/reassembly.js";
import type { ConcatInfo } from "../smpp/udh.js";

export interface SubmitRecord {
  /** message_id as answered in submit_sm_resp. */
  smscId: string;
  /** The same id as written in the receipt (may differ in base or padding). */
  receiptId: string;
  systemId: string;
  source: string;
  sourceTon: number;
  sourceNpi: number;
  destination: string;
  destTon: number;
  destNpi: number;
  dataCoding: number;
  esmClass: number;
  registeredDelivery: number;
  /** validity_period as a point in time, when one was given. */
  validUntil?: Date;
  /** Decoded text of this part (UDH removed). */
  text: string;
  /** Set for one part of a concatenated message (UDH or SAR). */
  concat?: ConcatInfo;
  /** How the parts were tied together. */
  concatVia?: "udh" | "sar";
  receivedAt: number;
}

/** A whole message: a single submit, or all parts of a concatenated one joined in order. */
export interface MessageRecord {
  smscIds: string[];
  source: string;
  destination: string;
  text: string;
  parts: number;
  dataCoding: number;
}

export class SimulatorStats {
  binds = 0;
  bindFailures = 0;
  unbinds = 0;
  enquireLinks = 0;
  /** Every submit_sm received, whatever happened to it. */
  submitsReceived = 0;
  accepted = 0;
  rejected = 0;
  throttled = 0;
  blackholed = 0;
  droppedConnections = 0;
  /** Submits accepted whose submit_sm_resp was never sent (lose_responses). */
  responsesLost = 0;
  /** Receipts sent (first attempts). */
  receiptsSent = 0;
  /** Receipts sent again because the first attempt got no deliver_sm_resp or an error. */
  receiptsResent = 0;
  /** Receipts the ESME answered with ESME_ROK. */
  receiptsAcknowledged = 0;
  inboundSent = 0;
  /** Highest number of submit_sm received and not yet answered on one connection. */
  maxOutstanding = 0;
  readonly submits: SubmitRecord[] = [];
  readonly messages: MessageRecord[] = [];
  readonly #parts = new Reassembler<SubmitRecord>(60_000);

  readonly #maxRecords: number;

  constructor(maxRecords: number) {
    this.#maxRecords = maxRecords;
  }

  /** Records an accepted submit; returns the whole message once its last part is in. */
  recordAccepted(record: SubmitRecord): MessageRecord | undefined {
    this.accepted++;
    if (this.submits.length < this.#maxRecords) this.submits.push(record);
    const parts = record.concat
      ? this.#parts.add(`${record.systemId}|${record.source}|${record.destination}`, record.concat, record)
      : [record];
    if (!parts) return undefined;
    const message: MessageRecord = {
      smscIds: parts.map((p) => p.smscId),
      source: record.source,
      destination: record.destination,
      text: parts.map((p) => p.text).join(""),
      parts: parts.length,
      dataCoding: record.dataCoding,
    };
    if (this.messages.length < this.#maxRecords) this.messages.push(message);
    return message;
  }

  /** Forgets records and counters (between benchmark rounds). */
  reset(): void {
    for (const key of Object.keys(this) as (keyof this)[]) {
      if (typeof this[key] === "number") (this[key] as number) = 0;
    }
    this.submits.length = 0;
    this.messages.length = 0;
    this.#parts.clear();
  }

  close(): void {
    this.#parts.clear();
  }
}
