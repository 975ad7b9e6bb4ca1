/** Dlr changes and webhook events that a delivery transaction gathers and writes together (the outbox pattern). */
import { randomUUID } from "node:crypto";
import { FINAL_DLR_CODES, isFinalDlr } from "../../../core/delivery-state.js";
import { type Message, Status } from "../../../core/message.js";
import { timeOrderedUuid } from "../../../ids.js";
import { insertRows, paddedChunks, updateFromRows } from "../bulk.js";
import { queueSmppReceipts } from "../smpp-server/receipts.js";
import type { MessageRef, Trx } from "./types.js";

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
  // Receipts for ESMEs bound to Starling's SMPP server travel with the webhook events (the same outbox idea).
  await queueSmppReceipts(trx, events);
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
  // Events come in the order their changes were applied. A receipt may carry an earlier time than the submit
  // record applied before it in the same batch (it overtook the submit's response): one message's events
  // never go back in time, or the outbox, which posts by time, would send "rejected" before "en route".
  const latest = new Map<unknown, number>();
  for (const e of events) {
    const eventId = randomUUID();
    const json = JSON.stringify(e.data);
    const about = (e.data as { id?: unknown } | null)?.id;
    const at = about === undefined ? e.now : Math.max(e.now, latest.get(about) ?? e.now);
    if (about !== undefined) latest.set(about, at);
    for (const url of urls.get(e.accountId) ?? []) rows.push([timeOrderedUuid(), eventId, e.accountId, url, e.name, json, at]);
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
export class Changes {
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
