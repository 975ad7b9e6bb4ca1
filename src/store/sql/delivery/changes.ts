/**
 * What a delivery transaction decided (core/delivery/rules.ts), gathered and written together: status
 * changes (one UPDATE for all, the last change of a message winning) and the events they raise, rendered
 * by the dialect's renderer into the webhook outbox (the outbox pattern).
 */
import { randomUUID } from "node:crypto";
import type { Decided } from "../../../core/delivery/rules.js";
import type { DeliveryEvent, StatusChange } from "../../../core/delivery/state.js";
import { FINAL_DLR_CODES } from "../../../core/delivery-state.js";
import { timeOrderedUuid } from "../../../ids.js";
import type { WebhookRenderer } from "../../ports/index.js";
import { insertRows, paddedChunks, updateFromRows } from "../bulk.js";
import type { HandOffTicket } from "../outbox-hand-off.js";
import { queueSmppReceipts } from "../smpp-server/receipts.js";
import type { Trx } from "./types.js";

export interface OutboxEvent {
  accountId: number;
  name: string;
  data: unknown;
  now: number;
  /** The message it is about: one message's events never go back in time (see below). */
  about?: string;
}

/** Renders domain events with the dialect's renderer and writes them to the outbox (see enqueueEvents). */
export async function enqueueDeliveryEvents(
  trx: Trx,
  events: readonly DeliveryEvent[],
  render: WebhookRenderer,
  handOff?: HandOffTicket,
): Promise<void> {
  // Receipts for ESMEs bound to Starling's SMPP server travel with the webhook events (the same outbox idea).
  await queueSmppReceipts(trx, events);
  return enqueueEvents(
    trx,
    events.map((e) => ({ accountId: e.message.accountId, ...render(e), now: e.at, about: e.message.uuid })),
    handOff,
  );
}

/**
 * Fans events out to their accounts' callback URLs inside the caller's transaction. With a hand-off ticket,
 * the events this process's dispatcher takes are written leased to it and given to it after the commit
 * (store/sql/outbox-hand-off.ts).
 */
export async function enqueueEvents(
  trx: Trx,
  events: readonly OutboxEvent[],
  handOff?: HandOffTicket,
): Promise<void> {
  if (events.length === 0) return;
  const urls = new Map<number, { url: string; timeoutMs: number | null }[]>();
  for (const chunk of paddedChunks([...new Set(events.map((e) => e.accountId))])) {
    const hooks = await trx
      .selectFrom("webhooks")
      .select(["account_id", "url", "timeout_ms"])
      .where("account_id", "in", chunk)
      .orderBy("id")
      .execute();
    for (const h of hooks) {
      const accountId = Number(h.account_id);
      const hook = { url: h.url, timeoutMs: h.timeout_ms === null ? null : Number(h.timeout_ms) };
      urls.set(accountId, [...(urls.get(accountId) ?? []), hook]);
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
    const about = e.about ?? (e.data as { id?: unknown } | null)?.id;
    const at = about === undefined ? e.now : Math.max(e.now, latest.get(about) ?? e.now);
    if (about !== undefined) latest.set(about, at);
    for (const { url, timeoutMs } of urls.get(e.accountId) ?? []) {
      const id = timeOrderedUuid();
      const leaseUntil = handOff?.leaseUntil(url, timeoutMs, at) ?? null;
      rows.push([id, eventId, e.accountId, url, e.name, json, at, leaseUntil]);
      if (leaseUntil !== null) {
        handOff!.take({
          id,
          eventId,
          accountId: e.accountId,
          url,
          name: e.name,
          data: e.data,
          dataJson: json,
          createdAt: at,
          attempts: 0,
          timeoutMs,
        });
      }
    }
  }
  await insertRows(
    trx,
    "webhook_outbox (id, event_id, account_id, url, name, data, created_at, attempts, next_attempt_at, status, lease_until)",
    "v.column1, v.column2, CAST(v.column3 AS bigint), v.column4, v.column5, v.column6, CAST(v.column7 AS bigint), 0, CAST(v.column7 AS bigint), 'pending', CAST(v.column8 AS bigint)",
    rows,
  );
}

/**
 * The writes of one batch that are gathered before they are made: status changes and the events they
 * raised (written at the end of the transaction).
 */
export class Changes {
  readonly events: DeliveryEvent[] = [];
  private readonly changes = new Map<string, StatusChange>();

  /** A decision of the rules. `written`: its status change is made by the caller's own statement already. */
  add(decided: Decided, written = false): void {
    if (!written) {
      // Text once erased stays erased, whatever a later change of the same batch says.
      const erased = this.changes.get(decided.change.uuid)?.eraseText ?? false;
      this.changes.set(decided.change.uuid, {
        ...decided.change,
        eraseText: decided.change.eraseText || erased,
      });
    }
    this.events.push(decided.event);
  }

  async writeStatus(trx: Trx): Promise<void> {
    const rows = [...this.changes.values()].map((c) => [
      c.uuid,
      c.dlrCode,
      c.statusCode,
      c.at,
      c.eraseText ? 1 : 0,
    ]);
    this.changes.clear();
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
