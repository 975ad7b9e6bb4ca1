/** Records the dispatcher's submit outcomes: submitted, to be retried, failed. */
import { recordFailure, recordSubmit } from "../../../core/delivery/rules.js";
import { Dlr, Status } from "../../../core/message.js";
import type { DeliveryOutcome, ReceiptUpdate } from "../../ports/index.js";
import { insertRows, paddedChunks, updateFromRows } from "../bulk.js";
import type { Dialect } from "../db.js";
import type { Changes } from "./changes.js";
import { takeEarlyReceipts } from "./pending-receipts.js";
import { readMessages } from "./read-messages.js";
import type { Timed, Trx } from "./types.js";
import { linkUnknownReceipts, recordUnknownSubmits } from "./unknown-receipts.js";

/**
 * Records one round of outcomes; returns the receipts that were waiting for these submits, oldest first.
 *
 * A lapsed lease (a stalled or crashed dispatcher) lets a message be claimed and submitted a second time,
 * and lets a cancel take it meanwhile. The outcome recorded first decides: a later submit of a message no
 * longer unsent changes nothing and sends no event (its parts are kept in resubmitted_parts, where their
 * receipts find them), and a later failure neither changes the message nor refunds it again. A failure
 * or retry whose claim was taken over leaves the message to its new holder.
 */
export async function recordRound(
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
  // The rules decide (core/delivery/rules.ts): the first recorded outcome of a message wins.
  const first: Of<"submitted">[] = [];
  const again: Of<"submitted">[] = [];
  for (const o of submitted) {
    const m = messages.get(o.item.message.uuid);
    const decided = m ? recordSubmit(m, o.now) : "later_submission";
    if (decided === "later_submission") {
      again.push(o);
      continue;
    }
    first.push(o);
    // Its status change is part of the UPDATE below, which also stamps is_sent and gateway_sent_at.
    changes.add(decided, true);
  }

  // Its status condition is a second line only, like writeStatus's (the decision is made above).
  await updateFromRows(
    trx,
    `UPDATE messages SET status_code = ${Status.TRANSMITTED}, dlr_code = ${Dlr.EN_ROUTE}, is_sent = 1, ` +
      "gateway_sent_at = CAST(v.column2 AS bigint), updated_at = CAST(v.column3 AS bigint)",
    `messages.uuid = v.column1 AND messages.status_code = ${Status.NEW}`,
    first.map(({ item, now }) => [item.message.uuid, Math.floor(item.at / 1000), now]),
  );

  // Before the queue rows go or are released: only the claim holder's unknown attempt is kept.
  const unknownScope = await recordUnknownSubmits(trx, [...retries, ...failed]);

  // A submit removes the queue row whoever holds it: the message went out, and a row left behind would
  // only let it go out again (the holder's retry would release it to the next claim). The holder's own
  // outcome then finds no row: its submit is kept as a later submission, its retry or failure does nothing.
  for (const chunk of paddedChunks(submitted.map((o) => o.item.message.uuid))) {
    await trx.deleteFrom("queue").where("message_uuid", "in", chunk).execute();
  }
  // A failure ends the message only while its dispatcher still holds the lease: one whose claim lapsed and
  // was taken over cannot know whether the new holder has submitted it meanwhile.
  const removed = new Set<string>();
  const failedByOwner = new Map<string, string[]>();
  for (const { item } of failed) {
    const uuids = failedByOwner.get(item.owner) ?? [];
    uuids.push(item.message.uuid);
    failedByOwner.set(item.owner, uuids);
  }
  for (const [owner, uuids] of failedByOwner) {
    for (const chunk of paddedChunks(uuids)) {
      const rows = await trx
        .deleteFrom("queue")
        .where("lease_owner", "=", owner)
        .where("message_uuid", "in", chunk)
        .returning("message_uuid")
        .execute();
      for (const r of rows) removed.add(r.message_uuid);
    }
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
  // The parts of a long message accepted before a temporary refusal: receipts find them, the next claim
  // resumes after them (their rows stay when the rest is recorded as submitted).
  const partial = retries.flatMap(({ item, now }) => (item.accepted ? [{ item: item.accepted, now }] : []));
  await insertRows(
    trx,
    "message_parts (message_uuid, part_index, connector_id, smsc_id, state, updated_at)",
    "v.column1, CAST(v.column2 AS integer), v.column3, v.column4, 'ENROUTE', CAST(v.column5 AS bigint)",
    retries.flatMap(({ item, now }) =>
      (item.accepted?.smscIds ?? []).map((smscId, i) => [item.message.uuid, i, item.accepted!.connectorId, smscId, now]),
    ),
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
      "lease_owner = NULL, lease_until = NULL, last_error = v.column4, " +
      "unknown_outcomes = queue.unknown_outcomes + CAST(v.column6 AS integer)",
    // A claim that lapsed and was taken over belongs to its new holder: releasing it would let a third claim in.
    "queue.message_uuid = v.column1 AND queue.lease_owner = v.column5",
    retries.map(({ item }) => [
      item.message.uuid,
      item.dueAt,
      item.countAttempt ? 1 : 0,
      item.error.slice(0, 500),
      item.owner,
      item.unknownOutcome ? 1 : 0,
    ]),
  );

  // Only the claim holder ends a message, and only once: a refund must never be paid twice. Whoever took
  // the queue row (a cancel, an earlier outcome) has ended it already; whoever holds it now decides it.
  const refunds = new Map<number, { micros: number; now: number }>();
  for (const { item, now } of failed) {
    const m = messages.get(item.message.uuid);
    const decided = m && recordFailure(m, { ...item, priceMicros: item.message.priceMicros }, removed.has(item.message.uuid), now);
    if (!decided) continue;
    if (decided.refundMicros > 0) {
      const r = refunds.get(item.message.accountId) ?? { micros: 0, now };
      refunds.set(item.message.accountId, { micros: r.micros + decided.refundMicros, now: Math.max(r.now, now) });
    }
    changes.add(decided);
  }
  const refunded = [...refunds].sort(([a], [b]) => a - b);
  // An UPDATE … FROM (VALUES …) locks rows in whatever order its join runs: take the locks in id order first,
  // as acceptance groups debit, so the two never wait on each other in a cycle. NO KEY UPDATE is the lock the
  // UPDATE itself takes; it does not block inserts elsewhere that reference the account.
  if (dialect === "postgres") {
    for (const chunk of paddedChunks(refunded.map(([accountId]) => accountId))) {
      await trx.selectFrom("accounts").select("id").where("id", "in", chunk).orderBy("id").forNoKeyUpdate().execute();
    }
  }
  await updateFromRows(
    trx,
    "UPDATE accounts SET balance_micros = accounts.balance_micros + CAST(v.column2 AS bigint), balance_changed_at = CAST(v.column3 AS bigint)",
    "accounts.id = CAST(v.column1 AS bigint)",
    refunded.map(([accountId, r]) => [accountId, r.micros, r.now]),
  );
  await changes.writeStatus(trx);
  await recordSubmitAttempts(trx, round);

  // Receipts that overtook these records are applied now (those of a second submission too), and those
  // that came for copies of these unknown attempts (found by their addresses and text).
  const early = await takeEarlyReceipts(trx, dialect, [...submitted.map(({ item, now }) => ({ item, now })), ...partial]);
  if (unknownScope.length === 0) return early;
  const now = Math.max(...round.map((o) => o.now));
  return [...early, ...(await linkUnknownReceipts(trx, dialect, unknownScope, changes, now))];
}

/** One attempt row per outcome (every outcome of the round, whatever the rules decided), for the console. */
async function recordSubmitAttempts(trx: Trx, round: readonly Timed<DeliveryOutcome>[]): Promise<void> {
  await insertRows(
    trx,
    "delivery_attempts (message_uuid, at, kind, outcome, connector_id, smsc_ids, error)",
    "v.column1, CAST(v.column2 AS bigint), 'submit', v.column3, v.column4, v.column5, v.column6",
    round.map(({ item, now }) =>
      item.kind === "submitted"
        ? [item.message.uuid, item.at, "submitted", item.connectorId, item.smscIds.join(","), null]
        : [item.message.uuid, now, item.kind, item.connectorId ?? null, null, item.error.slice(0, 500)],
    ),
  );
}
