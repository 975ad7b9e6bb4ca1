/**
 * The delivery side of the store: claiming due queue rows, recording submit outcomes and receipts.
 * Status changes and their webhook events commit together (the outbox pattern), and writes from the
 * dispatcher are grouped into shared transactions like message acceptance.
 *
 * A group commit holds the outcomes and receipts of many messages, and each kind of write is one
 * set-based statement for the whole batch (see bulk.ts): a delivered message costs a fraction of a
 * statement, not one statement per step. The batch still behaves as if its items were applied one by one:
 * state that later items depend on (part states, a message's dlr code) is read once and followed in memory.
 */
import { randomUUID } from "node:crypto";
import { type Selectable, sql, type Transaction } from "kysely";
import { aggregateDlr, FINAL_DLR_CODES, isFinalDlr, type PartState } from "../../core/delivery-state.js";
import { Dlr, type Message, Status } from "../../core/message.js";
import type { ClaimedMessage, DeliveryOutcome, DeliveryStore, ReceiptUpdate } from "../ports/index.js";
import { insertRows, paddedChunks, updateFromRows } from "./bulk.js";
import type { Database, Db, Dialect } from "./db.js";
import type { PendingReceiptsTable } from "./schema.js";
import { timeOrderedUuid } from "../../ids.js";
import { GroupCommit } from "./group-commit.js";
import { rowToMessage } from "./messages.js";

type Trx = Transaction<Database>;

/** What an event and a dlr change need to know of a message. */
type MessageRef = Pick<Message, "uuid" | "accountId" | "keyId" | "callbackData" | "isTextDeleted">;

/** The `sms.delivery` event data of the LOX24 reference sheet. */
export function deliveryEventData(m: Pick<Message, "uuid" | "keyId" | "callbackData">, dlrCode: number, statusCode: number) {
  return { id: m.uuid, key_id: m.keyId, dlr_code: dlrCode, status_code: statusCode, callback_data: m.callbackData };
}

export interface OutboxEvent {
  accountId: number;
  name: string;
  data: unknown;
  now: number;
}

/** Fans events out to their accounts' callback URLs inside the caller's transaction. */
export async function enqueueEvents(trx: Trx, events: readonly OutboxEvent[]): Promise<void> {
  if (events.length === 0) return;
  const urls = new Map<number, string[]>();
  for (const chunk of paddedChunks([...new Set(events.map((e) => e.accountId))])) {
    const hooks = await trx
      .selectFrom("webhooks")
      .select(["account_id", "url"])
      .where("account_id", "in", chunk)
      .orderBy("id")
      .execute();
    for (const h of hooks) {
      const accountId = Number(h.account_id);
      urls.set(accountId, [...(urls.get(accountId) ?? []), h.url]);
    }
  }
  const rows: unknown[][] = [];
  for (const e of events) {
    const eventId = randomUUID();
    const json = JSON.stringify(e.data);
    for (const url of urls.get(e.accountId) ?? []) rows.push([timeOrderedUuid(), eventId, e.accountId, url, e.name, json, e.now]);
  }
  await insertRows(
    trx,
    "webhook_outbox (id, event_id, account_id, url, name, data, created_at, attempts, next_attempt_at, status)",
    "v.column1, v.column2, CAST(v.column3 AS bigint), v.column4, v.column5, v.column6, CAST(v.column7 AS bigint), 0, CAST(v.column7 AS bigint), 'pending'",
    rows,
  );
}

/**
 * The writes of one batch that are gathered before they are made: dlr changes (one UPDATE for all, the
 * last change of a message winning) and webhook events (one INSERT at the end of the transaction).
 */
class Changes {
  readonly events: OutboxEvent[] = [];
  private readonly dlr = new Map<string, { dlrCode: number; statusCode: number; now: number; erase: boolean }>();

  setDlr(m: MessageRef, dlrCode: number, statusCode: number, now: number): void {
    // The text of an is_text_deleted message is erased once nothing more can happen to it.
    const erase = m.isTextDeleted && (isFinalDlr(dlrCode) || (statusCode !== Status.NEW && statusCode !== Status.TRANSMITTED));
    const erased = this.dlr.get(m.uuid)?.erase ?? false;
    this.dlr.set(m.uuid, { dlrCode, statusCode, now, erase: erase || erased });
    this.events.push({ accountId: m.accountId, name: "sms.delivery", data: deliveryEventData(m, dlrCode, statusCode), now });
  }

  async writeDlr(trx: Trx): Promise<void> {
    const rows = [...this.dlr].map(([uuid, c]) => [uuid, c.dlrCode, c.statusCode, c.now, c.erase ? 1 : 0]);
    this.dlr.clear();
    // The callers read what they change under a lock (or on SQLite's one connection) and leave final
    // messages alone, so the dlr_code condition should never hold a row back. It is a second line only:
    // a change it drops still has its event written, so it cannot stand in for the locks.
    await updateFromRows(
      trx,
      "UPDATE messages SET dlr_code = CAST(v.column2 AS integer), status_code = CAST(v.column3 AS integer), " +
        "updated_at = CAST(v.column4 AS bigint), text = CASE WHEN CAST(v.column5 AS integer) = 1 THEN NULL ELSE messages.text END",
      `messages.uuid = v.column1 AND messages.dlr_code NOT IN (${FINAL_DLR_CODES.join(", ")})`,
      rows,
    );
  }
}

type Timed<T> = { item: T; now: number };

/** PostgreSQL's error for the transaction its deadlock check aborted so that the others can go on. */
const isDeadlock = (error: unknown) => (error as { code?: unknown } | null)?.code === "40P01";

/**
 * Splits outcomes into rounds in which each message occurs at most once, keeping their order: rounds run
 * one after another, so a message recorded twice in one batch (a lapsed lease claimed again) is recorded
 * twice in order, and within a round the set-based statements never meet the same row twice.
 */
function rounds(outcomes: readonly Timed<DeliveryOutcome>[]): Timed<DeliveryOutcome>[][] {
  const result: Timed<DeliveryOutcome>[][] = [];
  const seen = new Map<string, number>();
  for (const o of outcomes) {
    const round = seen.get(o.item.message.uuid) ?? 0;
    seen.set(o.item.message.uuid, round + 1);
    const list = result[round] ?? [];
    result[round] = list;
    list.push(o);
  }
  return result;
}

/** A message as a batch read it, then followed in memory as the batch changes it. */
type Tracked = MessageRef & { dlrCode: number; statusCode: number; partsCount: number };

/**
 * Reads the messages a batch is about to decide on. On PostgreSQL other processes write the same messages
 * meanwhile (their delivery writers, their expireStale, a cancel), so the rows are read FOR UPDATE, and
 * what is read (dlr and status codes, a long message's stored part states) stays true until this
 * transaction commits: a message another process made final is seen final and left alone.
 *
 * The locks are taken in ascending uuid order, chunk after chunk and row by row within a chunk, and
 * before the rows that go with a message (its queue row, its account): a cancel takes its message first
 * too, and expireStale skips locked rows and never waits. Two batches reading the same messages in one
 * pass each cannot deadlock. A batch with submit records reads twice (the outcomes' messages, then its
 * receipts'), which can close a cycle with another batch only around a message submitted twice; the
 * writer runs a batch PostgreSQL aborts for that again (see sqlDeliveryStore). SQLite's one connection
 * already runs each transaction alone.
 */
async function readMessages(trx: Trx, dialect: Dialect, uuids: Iterable<string>): Promise<Map<string, Tracked>> {
  const messages = new Map<string, Tracked>();
  // Code-unit order, which is byte order for uuids, and PostgreSQL's order of the same with COLLATE "C".
  for (const chunk of paddedChunks([...new Set(uuids)].sort())) {
    const rows = await trx
      .selectFrom("messages")
      .select(["uuid", "account_id", "key_id", "callback_data", "is_text_deleted", "dlr_code", "status_code", "parts_count"])
      .where("uuid", "in", chunk)
      // Rows are locked as they leave the sort, so in this order (ORDER BY runs below FOR UPDATE).
      .$if(dialect === "postgres", (q) => q.orderBy(sql`uuid COLLATE "C"`).forUpdate())
      .execute();
    for (const r of rows) {
      messages.set(r.uuid, {
        uuid: r.uuid,
        accountId: Number(r.account_id),
        keyId: r.key_id === null ? null : Number(r.key_id),
        callbackData: r.callback_data,
        isTextDeleted: r.is_text_deleted === 1,
        dlrCode: r.dlr_code,
        statusCode: r.status_code,
        partsCount: r.parts_count,
      });
    }
  }
  return messages;
}

/** Neither submitted, failed nor cancelled yet: the only messages an outcome may still change. */
const unsent = (m: Tracked) => m.statusCode === Status.NEW && !isFinalDlr(m.dlrCode);

/**
 * Records one round of outcomes; returns the receipts that were waiting for these submits, oldest first.
 *
 * A lapsed lease (a stalled or crashed dispatcher) lets a message be claimed and submitted a second time,
 * and lets a cancel take it meanwhile. The outcome recorded first decides: a later submit of a message no
 * longer unsent changes nothing and sends no event (its parts are kept in resubmitted_parts, where their
 * receipts find them), and a later failure neither changes the message nor refunds it again.
 */
async function recordRound(
  trx: Trx,
  dialect: Dialect,
  round: readonly Timed<DeliveryOutcome>[],
  changes: Changes,
): Promise<Timed<ReceiptUpdate>[]> {
  type Of<K extends DeliveryOutcome["kind"]> = Timed<Extract<DeliveryOutcome, { kind: K }>>;
  const submitted = round.filter((o): o is Of<"submitted"> => o.item.kind === "submitted");
  const retries = round.filter((o): o is Of<"retry"> => o.item.kind === "retry");
  const failed = round.filter((o): o is Of<"failed"> => o.item.kind === "failed");

  const ending = [...submitted, ...failed].map((o) => o.item.message.uuid);
  const messages = await readMessages(trx, dialect, ending);
  const isUnsent = (uuid: string) => {
    const m = messages.get(uuid);
    return m !== undefined && unsent(m);
  };
  const first = submitted.filter((o) => isUnsent(o.item.message.uuid));
  const again = submitted.filter((o) => !isUnsent(o.item.message.uuid));

  // The submit's own dlr change (en route) is part of this UPDATE; its event is written with the others.
  // Its status condition is a second line only, like writeDlr's (the decision is made above).
  await updateFromRows(
    trx,
    `UPDATE messages SET status_code = ${Status.TRANSMITTED}, dlr_code = ${Dlr.EN_ROUTE}, is_sent = 1, ` +
      "gateway_sent_at = CAST(v.column2 AS bigint), updated_at = CAST(v.column3 AS bigint)",
    `messages.uuid = v.column1 AND messages.status_code = ${Status.NEW}`,
    first.map(({ item, now }) => [item.message.uuid, Math.floor(item.at / 1000), now]),
  );
  for (const { item, now } of first) {
    const m = messages.get(item.message.uuid)!;
    m.statusCode = Status.TRANSMITTED;
    m.dlrCode = Dlr.EN_ROUTE;
    changes.events.push({
      accountId: item.message.accountId,
      name: "sms.delivery",
      data: deliveryEventData(item.message, Dlr.EN_ROUTE, Status.TRANSMITTED),
      now,
    });
  }

  const removed = new Set<string>();
  for (const chunk of paddedChunks(ending)) {
    const rows = await trx.deleteFrom("queue").where("message_uuid", "in", chunk).returning("message_uuid").execute();
    for (const r of rows) removed.add(r.message_uuid);
  }

  const partRows = (list: readonly Of<"submitted">[]) =>
    list.flatMap(({ item, now }) => item.smscIds.map((smscId, i) => [item.message.uuid, i, item.connectorId, smscId, now]));
  await insertRows(
    trx,
    "message_parts (message_uuid, part_index, connector_id, smsc_id, state, updated_at)",
    "v.column1, CAST(v.column2 AS integer), v.column3, v.column4, 'ENROUTE', CAST(v.column5 AS bigint)",
    partRows(first),
    "ON CONFLICT (message_uuid, part_index) DO NOTHING",
  );
  await insertRows(
    trx,
    "resubmitted_parts (message_uuid, part_index, connector_id, smsc_id, state, updated_at)",
    "v.column1, CAST(v.column2 AS integer), v.column3, v.column4, 'ENROUTE', CAST(v.column5 AS bigint)",
    partRows(again),
    "ON CONFLICT (connector_id, smsc_id, message_uuid) DO NOTHING",
  );

  await updateFromRows(
    trx,
    "UPDATE queue SET due_at = CAST(v.column2 AS bigint), attempts = queue.attempts + CAST(v.column3 AS integer), " +
      "lease_owner = NULL, lease_until = NULL, last_error = v.column4",
    "queue.message_uuid = v.column1",
    retries.map(({ item }) => [item.message.uuid, item.dueAt, item.countAttempt ? 1 : 0, item.error.slice(0, 500)]),
  );

  // Only the claim holder ends a message, and only once: a refund must never be paid twice. Whoever took
  // the queue row (a cancel, an earlier outcome) has ended it already.
  const refunds = new Map<number, { micros: number; now: number }>();
  for (const { item, now } of failed) {
    const m = messages.get(item.message.uuid);
    if (!removed.has(item.message.uuid) || m === undefined || !unsent(m)) continue;
    if (item.refund && item.message.priceMicros > 0) {
      const r = refunds.get(item.message.accountId) ?? { micros: 0, now };
      refunds.set(item.message.accountId, { micros: r.micros + item.message.priceMicros, now: Math.max(r.now, now) });
    }
    m.statusCode = item.statusCode;
    m.dlrCode = item.dlrCode;
    changes.setDlr(item.message, item.dlrCode, item.statusCode, now);
  }
  await updateFromRows(
    trx,
    "UPDATE accounts SET balance_micros = accounts.balance_micros + CAST(v.column2 AS bigint), balance_changed_at = CAST(v.column3 AS bigint)",
    "accounts.id = CAST(v.column1 AS bigint)",
    [...refunds].sort(([a], [b]) => a - b).map(([accountId, r]) => [accountId, r.micros, r.now]),
  );
  await changes.writeDlr(trx);

  // Receipts that overtook these records are applied now (those of a second submission too).
  const submittedAt = new Map<string, number>();
  const byConnector = new Map<string, string[]>();
  for (const { item, now } of submitted) {
    for (const smscId of item.smscIds) submittedAt.set(`${item.connectorId}\0${smscId}`, now);
    byConnector.set(item.connectorId, [...(byConnector.get(item.connectorId) ?? []), ...item.smscIds]);
  }
  const early: { id: number; receipt: Timed<ReceiptUpdate> }[] = [];
  for (const [connectorId, smscIds] of byConnector) {
    for (const chunk of paddedChunks(smscIds)) {
      const rows = await trx
        .selectFrom("pending_receipts")
        .selectAll()
        .where("connector_id", "=", connectorId)
        .where("smsc_id", "in", chunk)
        .execute();
      for (const r of rows) {
        early.push({ id: Number(r.id), receipt: { item: pendingToReceipt(r), now: submittedAt.get(`${r.connector_id}\0${r.smsc_id}`)! } });
      }
    }
  }
  early.sort((a, b) => a.id - b.id);
  for (const chunk of paddedChunks(early.map((e) => e.id))) {
    await trx.deleteFrom("pending_receipts").where("id", "in", chunk).execute();
  }
  return early.map((e) => e.receipt);
}

function pendingToReceipt(r: Selectable<PendingReceiptsTable>): ReceiptUpdate {
  return {
    connectorId: r.connector_id,
    smscId: r.smsc_id,
    state: r.state as PartState,
    ...(r.error_code !== null ? { errorCode: r.error_code } : {}),
  };
}

/**
 * Applies receipts in order. Everything they depend on is read up front (each receipt's part, its
 * message under a lock, see readMessages, the part states of long messages), followed in memory receipt
 * by receipt, and written once.
 *
 * `late` receipts are ones that waited in pending_receipts past their submit's record (see
 * takeMatchedReceipts). One whose part has had a receipt applied meanwhile is older than that receipt,
 * which arrived once the part was recorded: it is dropped rather than put the part's state back.
 */
async function applyReceipts(
  trx: Trx,
  dialect: Dialect,
  receipts: readonly Timed<ReceiptUpdate>[],
  changes: Changes,
  late = false,
): Promise<void> {
  if (receipts.length === 0) return;
  const key = (connectorId: string, smscId: string) => `${connectorId}\0${smscId}`;

  type Part = { uuid: string; partIndex: number; stored: string; resubmitted: boolean };
  const parts = new Map<string, Part>();
  const lookUp = async (table: "message_parts" | "resubmitted_parts", missing: readonly ReceiptUpdate[]) => {
    const smscIdsByConnector = new Map<string, Set<string>>();
    for (const r of missing) {
      const set = smscIdsByConnector.get(r.connectorId) ?? new Set<string>();
      smscIdsByConnector.set(r.connectorId, set.add(r.smscId));
    }
    for (const [connectorId, smscIds] of smscIdsByConnector) {
      for (const chunk of paddedChunks([...smscIds])) {
        const rows = await trx
          .selectFrom(table)
          .select(["message_uuid", "part_index", "smsc_id", "state"])
          .where("connector_id", "=", connectorId)
          .where("smsc_id", "in", chunk)
          .execute();
        for (const r of rows) {
          const k = key(connectorId, r.smsc_id);
          const part = { uuid: r.message_uuid, partIndex: r.part_index, stored: r.state, resubmitted: table === "resubmitted_parts" };
          if (!parts.has(k)) parts.set(k, part);
        }
      }
    }
  };
  await lookUp("message_parts", receipts.map((r) => r.item));
  // Only a receipt without a part of its message's first submission can be one of a later submission.
  const missing = receipts.map((r) => r.item).filter((r) => !parts.has(key(r.connectorId, r.smscId)));
  if (missing.length > 0) await lookUp("resubmitted_parts", missing);

  // A later submission's receipts leave the message alone, so its message is neither read nor locked.
  const messages = await readMessages(
    trx,
    dialect,
    [...parts.values()].filter((p) => !p.resubmitted).map((p) => p.uuid),
  );

  // A long message's dlr code follows the states of all its parts, stored ones included.
  const partStates = new Map<string, Map<number, PartState>>();
  const multipart = [...messages.values()].filter((m) => m.partsCount > 1 && !isFinalDlr(m.dlrCode)).map((m) => m.uuid);
  for (const chunk of paddedChunks(multipart)) {
    const rows = await trx
      .selectFrom("message_parts")
      .select(["message_uuid", "part_index", "state"])
      .where("message_uuid", "in", chunk)
      .execute();
    for (const r of rows) {
      const states = partStates.get(r.message_uuid) ?? new Map<number, PartState>();
      partStates.set(r.message_uuid, states.set(r.part_index, r.state as PartState));
    }
  }

  const waiting: unknown[][] = [];
  const partUpdates = new Map<string, unknown[]>();
  const resubmittedUpdates = new Map<string, unknown[]>();
  for (const { item: r, now } of receipts) {
    const part = parts.get(key(r.connectorId, r.smscId));
    if (!part) {
      // Its submit is not recorded yet: the receipt waits for it.
      waiting.push([r.connectorId, r.smscId, r.state, r.errorCode ?? null, now]);
      continue;
    }
    if (late && part.stored !== "ENROUTE") continue;
    if (part.resubmitted) {
      resubmittedUpdates.set(`${key(r.connectorId, r.smscId)}\0${part.uuid}`, [
        r.connectorId,
        r.smscId,
        part.uuid,
        r.state,
        r.errorCode ?? null,
        now,
      ]);
      continue;
    }
    // Map order is first insertion: a part's rows stay in a stable order while the last receipt wins.
    partUpdates.set(`${part.uuid}\0${part.partIndex}`, [part.uuid, part.partIndex, r.state, r.errorCode ?? null, now]);
    partStates.get(part.uuid)?.set(part.partIndex, r.state);
    const message = messages.get(part.uuid);
    if (!message) continue;
    if (isFinalDlr(message.dlrCode)) continue; // a late or repeated receipt does not reopen a final message
    const states = message.partsCount === 1 ? [r.state] : [...(partStates.get(message.uuid)?.values() ?? [])];
    const dlr = aggregateDlr(states, message.partsCount);
    if (dlr === message.dlrCode) continue;
    message.dlrCode = dlr;
    changes.setDlr(message, dlr, message.statusCode, now);
  }

  await insertRows(
    trx,
    "pending_receipts (connector_id, smsc_id, state, error_code, received_at)",
    "v.column1, v.column2, v.column3, CAST(v.column4 AS integer), CAST(v.column5 AS bigint)",
    waiting,
  );
  await updateFromRows(
    trx,
    "UPDATE message_parts SET state = v.column3, error_code = CAST(v.column4 AS integer), updated_at = CAST(v.column5 AS bigint)",
    "message_parts.message_uuid = v.column1 AND message_parts.part_index = CAST(v.column2 AS integer)",
    [...partUpdates.values()],
  );
  await updateFromRows(
    trx,
    "UPDATE resubmitted_parts SET state = v.column4, error_code = CAST(v.column5 AS integer), updated_at = CAST(v.column6 AS bigint)",
    "resubmitted_parts.connector_id = v.column1 AND resubmitted_parts.smsc_id = v.column2 AND resubmitted_parts.message_uuid = v.column3",
    [...resubmittedUpdates.values()],
  );
  await changes.writeDlr(trx);
}

/**
 * Takes the waiting receipts whose part is recorded by now. On PostgreSQL a receipt can miss its part
 * while another process's submit record is not yet committed, and be stored as waiting only after that
 * record looked for receipts waiting for it: nothing else would ever apply it. Rows another transaction
 * holds are being taken by it (a submit record, another process's maintenance) and are skipped.
 */
async function takeMatchedReceipts(trx: Trx, dialect: Dialect, now: number): Promise<Timed<ReceiptUpdate>[]> {
  const rows = await trx
    .deleteFrom("pending_receipts")
    .where("id", "in", (eb) =>
      eb
        .selectFrom("pending_receipts as p")
        .select("p.id")
        .where((w) =>
          w.or([
            w.exists(
              w
                .selectFrom("message_parts as mp")
                .select("mp.part_index")
                .whereRef("mp.connector_id", "=", "p.connector_id")
                .whereRef("mp.smsc_id", "=", "p.smsc_id"),
            ),
            w.exists(
              w
                .selectFrom("resubmitted_parts as rp")
                .select("rp.part_index")
                .whereRef("rp.connector_id", "=", "p.connector_id")
                .whereRef("rp.smsc_id", "=", "p.smsc_id"),
            ),
          ]),
        )
        .orderBy("p.id")
        .limit(1000)
        .$if(dialect === "postgres", (q) => q.forUpdate().skipLocked()),
    )
    .returningAll()
    .execute();
  return rows.sort((a, b) => Number(a.id) - Number(b.id)).map((r) => ({ item: pendingToReceipt(r), now }));
}

/** Receipts that waited since before `receivedBefore` (the validity period) wait for a submit that never comes. */
async function dropUnmatchedReceipts(trx: Trx, dialect: Dialect, receivedBefore: number): Promise<void> {
  await trx
    .deleteFrom("pending_receipts")
    .where("id", "in", (eb) =>
      eb
        .selectFrom("pending_receipts as p")
        .select("p.id")
        .where("p.received_at", "<", receivedBefore)
        .$if(dialect === "postgres", (q) => q.forUpdate().skipLocked()),
    )
    .execute();
}

type Op =
  | { kind: "outcomes"; items: DeliveryOutcome[]; now: number }
  | { kind: "receipts"; items: ReceiptUpdate[]; now: number }
  | { kind: "maintenance"; receivedBefore: number; now: number };

/**
 * One batch of the delivery writer. Outcomes go first, so a receipt in the same batch as the submit it
 * follows finds its part; receipts that waited past their submit's record go next (they are older than
 * the batch's own), and the batch's receipts then apply in arrival order.
 */
async function writeBatch(trx: Trx, dialect: Dialect, ops: readonly Op[]): Promise<void> {
  const changes = new Changes();
  const timed = <T>(op: { items: T[]; now: number }) => op.items.map((item) => ({ item, now: op.now }));
  const outcomes = ops.flatMap((op) => (op.kind === "outcomes" ? timed(op) : []));
  const receipts = ops.flatMap((op) => (op.kind === "receipts" ? timed(op) : []));
  for (const round of rounds(outcomes)) {
    await applyReceipts(trx, dialect, await recordRound(trx, dialect, round, changes), changes);
  }
  for (const op of ops) {
    if (op.kind !== "maintenance") continue;
    await applyReceipts(trx, dialect, await takeMatchedReceipts(trx, dialect, op.now), changes, true);
    await dropUnmatchedReceipts(trx, dialect, op.receivedBefore);
  }
  await applyReceipts(trx, dialect, receipts, changes);
  await enqueueEvents(trx, changes.events);
}

export function sqlDeliveryStore(db: Db): DeliveryStore {
  const { kysely, dialect } = db;
  // One writer for all delivery state, so a receipt is never applied before the submit it follows.
  const writer = new GroupCommit<Op, void>(
    async (ops) => {
      for (let attempt = 1; ; attempt++) {
        try {
          await kysely.transaction().execute((trx) => writeBatch(trx, dialect, ops));
          return ops.map(() => undefined);
        } catch (error) {
          // A batch that takes a second round of message locks (receipts after submit records) can still
          // close a cycle with another process's batch, if rarely (a message submitted twice). PostgreSQL
          // then aborts one of them: its work was rolled back whole, and it runs again rather than fail
          // hundreds of outcomes whose messages would then be submitted once more.
          if (dialect !== "postgres" || attempt === 3 || !isDeadlock(error)) throw error;
        }
      }
    },
    500,
    // SQLite's one connection runs the groups' transactions strictly in turn, so the next group may write
    // while the previous one waits for its fsync. On PostgreSQL two groups would run side by side and a
    // receipt could miss the submit committing beside it.
    dialect === "sqlite" ? 2 : 1,
  );

  return {
    async claimDue(owner, now, limit, leaseMs, onlyPriority): Promise<ClaimedMessage[]> {
      let due = kysely
        .selectFrom("queue")
        .select("message_uuid")
        .where("due_at", "<=", now)
        .$if(onlyPriority !== undefined, (q) => q.where("priority", "=", onlyPriority!))
        .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", now)]))
        .orderBy("priority")
        .orderBy("due_at")
        .limit(limit);
      // Several processes share a PostgreSQL queue: each takes rows the others have not locked.
      if (dialect === "postgres") due = due.forUpdate().skipLocked();
      const claimed = await kysely
        .updateTable("queue")
        .set({ lease_owner: owner, lease_until: now + leaseMs })
        .where("message_uuid", "in", due)
        .returning(["message_uuid", "attempts"])
        .execute();
      if (claimed.length === 0) return [];
      const rows = [];
      for (const chunk of paddedChunks(claimed.map((c) => c.message_uuid))) {
        rows.push(...(await kysely.selectFrom("messages").selectAll().where("uuid", "in", chunk).execute()));
      }
      const attempts = new Map(claimed.map((c) => [c.message_uuid, c.attempts]));
      return rows
        .map((row) => ({ message: rowToMessage(row), attempts: attempts.get(row.uuid) ?? 0 }))
        .sort((a, b) => a.message.priority - b.message.priority);
    },

    async renewLeases(owner, uuids, until) {
      for (const chunk of paddedChunks(uuids)) {
        await kysely
          .updateTable("queue")
          .set({ lease_until: until })
          .where("lease_owner", "=", owner)
          .where("message_uuid", "in", chunk)
          // A row another transaction holds is being recorded, cancelled or claimed and needs no renewal;
          // waiting for it, while holding the rows renewed so far, could deadlock with that transaction.
          .$if(dialect === "postgres", (q) =>
            q.where("message_uuid", "in", (eb) =>
              eb
                .selectFrom("queue as q")
                .select("q.message_uuid")
                .where("q.message_uuid", "in", chunk)
                .forUpdate()
                .skipLocked(),
            ),
          )
          .execute();
      }
    },

    record: (outcomes, now) => writer.submit({ kind: "outcomes", items: outcomes, now }),
    applyReceipts: (receipts, now) => writer.submit({ kind: "receipts", items: receipts, now }),

    async expireStale(sentBefore, now) {
      // Receipts that waited past their submit's record go first, through the writer like any receipt: a
      // message they end does not expire. Those still unmatched after the validity period are dropped.
      await writer.submit({ kind: "maintenance", receivedBefore: sentBefore, now });
      // Read and written in one transaction (rows locked on PostgreSQL), so a receipt applied in between
      // cannot be overwritten: a delivered message never turns expired.
      return kysely.transaction().execute(async (trx) => {
        let query = trx
          .selectFrom("messages")
          .selectAll()
          .where("status_code", "=", Status.TRANSMITTED)
          .where("dlr_code", "in", [Dlr.NONE, Dlr.EN_ROUTE])
          .where("gateway_sent_at", "<", Math.floor(sentBefore / 1000))
          .limit(1000);
        if (dialect === "postgres") query = query.forUpdate().skipLocked();
        const stale = await query.execute();
        if (stale.length === 0) return 0;
        const changes = new Changes();
        for (const row of stale) changes.setDlr(rowToMessage(row), Dlr.EXPIRED, Status.TRANSMITTED, now);
        await changes.writeDlr(trx);
        await enqueueEvents(trx, changes.events);
        return stale.length;
      });
    },

    async queueDepth() {
      const rows = await kysely
        .selectFrom("queue")
        .select(["priority", (eb) => eb.fn.countAll<number>().as("n")])
        .groupBy("priority")
        .execute();
      const of = (p: number) => Number(rows.find((r) => Number(r.priority) === p)?.n ?? 0);
      return { transactional: of(0), bulk: of(1) };
    },
  };
}
