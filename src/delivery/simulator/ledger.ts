/**
 * What the simulated SMSC knows about the messages it accepted, as a real SMSC keeps it: the state each
 * will reach (answered to query_sm) and the receipts it still owes. With a journal file it survives a
 * restart, crash included: each acceptance is written (write(2), so a SIGKILL loses nothing the ESME was
 * told) before its submit_sm_resp goes out, each acknowledged receipt after its deliver_sm_resp; on start the
 * file is read, the receipts still owed are sent again, and message ids continue where they stopped (a
 * restarted SMSC that handed out old ids again would make receipts match the wrong messages).
 * Without a journal the same book is kept in memory only.
 */
import { closeSync, existsSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from "node:fs";
import type { ReceiptState } from "../connector.js";
import type { PlannedReceipt } from "./scenarios.js";
import type { SubmitRecord } from "./stats.js";

/** The parts of a submit a receipt needs. */
export type ReceiptRecord = Pick<
  SubmitRecord,
  | "smscId"
  | "receiptId"
  | "systemId"
  | "source"
  | "sourceTon"
  | "sourceNpi"
  | "destination"
  | "destTon"
  | "destNpi"
  | "text"
  | "receivedAt"
>;

/** Only what a receipt needs, and its text only as far as a receipt quotes it. */
export function receiptRecordOf(r: SubmitRecord): ReceiptRecord {
  return {
    smscId: r.smscId,
    receiptId: r.receiptId,
    systemId: r.systemId,
    source: r.source,
    sourceTon: r.sourceTon,
    sourceNpi: r.sourceNpi,
    destination: r.destination,
    destTon: r.destTon,
    destNpi: r.destNpi,
    text: r.text.slice(0, 20),
    receivedAt: r.receivedAt,
  };
}

export interface LedgerEntry {
  /** The numeric id behind smscId. */
  n: number;
  record: ReceiptRecord;
  receipt: PlannedReceipt;
  /** When the message reaches its final state (receivedAt + the receipt's delay). */
  doneAt: number;
  /** A receipt is wanted and not yet acknowledged. */
  owed: boolean;
}

/** query_sm's view of a message. */
export interface MessageStatus {
  state: ReceiptState;
  error: number;
  /** Set once final. */
  finalAt?: number;
}

type Line =
  | { t: "h"; next: number }
  | { t: "a"; e: Omit<LedgerEntry, "record"> & { record: ReceiptRecord } }
  | { t: "k"; id: string };

export class MessageLedger {
  readonly #entries = new Map<string, LedgerEntry>();
  #fd: number | undefined;
  #lines = 0;
  /** The next numeric id to hand out, as far as the journal knows. */
  nextId: number;

  /** `maxEntries` bounds memory and the journal: the oldest are forgotten first, as an SMSC's validity ends. */
  constructor(
    private readonly maxEntries: number,
    firstId: number,
    private readonly path?: string,
  ) {
    this.nextId = firstId;
    if (path) {
      if (existsSync(path)) this.#load(readFileSync(path, "utf8"));
      this.#compact();
    }
  }

  /** Receipts owed, oldest first (to be sent again after a restart). */
  owed(): LedgerEntry[] {
    return [...this.#entries.values()].filter((e) => e.owed);
  }

  /** Call before the submit_sm_resp goes out. */
  accepted(entry: LedgerEntry): void {
    this.nextId = Math.max(this.nextId, entry.n + 1);
    this.#set(entry);
    this.#append({ t: "a", e: entry });
  }

  /** The ESME acknowledged the receipt for this message. */
  acknowledged(smscId: string): void {
    const entry = this.#entries.get(smscId);
    if (!entry?.owed) return;
    entry.owed = false;
    this.#append({ t: "k", id: smscId });
  }

  status(smscId: string, now: number): MessageStatus | undefined {
    const entry = this.#entries.get(smscId);
    if (!entry) return undefined;
    if (now < entry.doneAt) return { state: "ENROUTE", error: 0 };
    return { state: entry.receipt.state, error: entry.receipt.error, finalAt: entry.doneAt };
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #set(entry: LedgerEntry): void {
    this.#entries.delete(entry.record.smscId);
    this.#entries.set(entry.record.smscId, entry);
    if (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  #append(line: Line): void {
    if (this.#fd === undefined) return;
    writeSync(this.#fd, `${JSON.stringify(line)}\n`);
    // Every entry is written about twice (accepted, acknowledged); rewrite once the file holds far more.
    if (++this.#lines > 4 * this.maxEntries + 1000) this.#compact();
  }

  #load(text: string): void {
    for (const raw of text.split("\n")) {
      if (!raw) continue;
      let line: Line;
      try {
        line = JSON.parse(raw) as Line;
      } catch {
        continue; // a line cut short by a crash
      }
      if (line.t === "h") this.nextId = Math.max(this.nextId, line.next);
      else if (line.t === "a") {
        this.nextId = Math.max(this.nextId, line.e.n + 1);
        this.#set(line.e);
      } else if (line.t === "k") {
        const entry = this.#entries.get(line.id);
        if (entry) entry.owed = false;
      }
    }
  }

  /** Rewrites the journal as one header and one line per entry kept, then appends to it. */
  #compact(): void {
    if (!this.path) return;
    this.close();
    const lines: Line[] = [
      { t: "h", next: this.nextId },
      ...[...this.#entries.values()].map((e) => ({ t: "a" as const, e })),
    ];
    const temp = `${this.path}.tmp`;
    writeFileSync(temp, lines.map((l) => `${JSON.stringify(l)}\n`).join(""));
    renameSync(temp, this.path);
    this.#fd = openSync(this.path, "a");
    this.#lines = lines.length;
  }
}
