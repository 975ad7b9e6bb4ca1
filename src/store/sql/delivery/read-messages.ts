/** The messages a delivery batch decides on, read once (locked on PostgreSQL) and then followed in memory. */
import { sql } from "kysely";
import { paddedChunks } from "../bulk.js";
import type { Dialect } from "../db.js";
import type { DeliveryState } from "../../../core/delivery/state.js";
import type { Trx } from "./types.js";

/** A message as a batch read it, then followed in memory as the batch changes it (by the core's rules). */
export type Tracked = DeliveryState;

/** A message row as the delivery rules see it. */
export function deliveryStateOf(r: {
  uuid: string;
  account_id: number;
  key_id: number | null;
  callback_data: string | null;
  is_text_deleted: number;
  dlr_code: number;
  status_code: number;
  parts_count: number;
}): DeliveryState {
  return {
    uuid: r.uuid,
    accountId: Number(r.account_id),
    keyId: r.key_id === null ? null : Number(r.key_id),
    callbackData: r.callback_data,
    isTextDeleted: r.is_text_deleted === 1,
    dlrCode: r.dlr_code,
    statusCode: r.status_code,
    partsCount: r.parts_count,
  };
}

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
 * writer runs a batch PostgreSQL aborts for that again (see writer.ts). SQLite's one connection
 * already runs each transaction alone.
 */
export async function readMessages(
  trx: Trx,
  dialect: Dialect,
  uuids: Iterable<string>,
): Promise<Map<string, Tracked>> {
  const messages = new Map<string, Tracked>();
  // Code-unit order, which is byte order for uuids, and PostgreSQL's order of the same with COLLATE "C".
  for (const chunk of paddedChunks([...new Set(uuids)].sort())) {
    const rows = await trx
      .selectFrom("messages")
      .select([
        "uuid",
        "account_id",
        "key_id",
        "callback_data",
        "is_text_deleted",
        "dlr_code",
        "status_code",
        "parts_count",
      ])
      .where("uuid", "in", chunk)
      // Rows are locked as they leave the sort, so in this order (ORDER BY runs below FOR UPDATE).
      .$if(dialect === "postgres", (q) => q.orderBy(sql`uuid COLLATE "C"`).forUpdate())
      .execute();
    for (const r of rows) messages.set(r.uuid, deliveryStateOf(r));
  }
  return messages;
}
