/**
 * Copies whose submit_sm_resp was lost, found by their receipts (the rule: core/delivery/unknown-receipts.ts).
 * Each attempt recorded with an unknown outcome is kept in unknown_submits; each receipt whose id matched no
 * part waits in pending_receipts with its addresses, submit date and text. Whenever either side gains a row
 * (and at maintenance, for what two processes wrote side by side), the two are paired: the receipt's id
 * becomes the part's SMSC id, a message whose last part it was is submitted (its queue row goes: no further
 * copy is sent), and the receipt is then applied like any other.
 */
import { recordFoundSubmit } from "../../../core/delivery/rules.js";
import {
  type AddressedReceipt,
  normaliseAddress,
  pairUnknownReceipts,
  partTextPrefix,
  type UnknownAttempt,
} from "../../../core/delivery/unknown-receipts.js";
import { awaitsReceipt, FINAL_DLR_CODES } from "../../../core/delivery-state.js";
import { Dlr, Status } from "../../../core/message.js";
import type { DeliveryOutcome, ReceiptUpdate } from "../../ports/index.js";
import { insertRows, paddedChunks, updateFromRows } from "../bulk.js";
import type { Dialect } from "../db.js";
import type { Changes } from "./changes.js";
import { pendingToReceipt } from "./pending-receipts.js";
import { readMessages } from "./read-messages.js";
import type { Timed, Trx } from "./types.js";

/** Where to look for pairs: a connector and a destination (normalised). */
export interface UnknownScope {
  connectorId: string;
  destination: string;
}

type Unanswered = Timed<Extract<DeliveryOutcome, { kind: "retry" | "failed" }>>;

/**
 * Keeps the unknown attempts of these retries (and of last attempts given up), before the queue rows go: only
 * the claim holder's attempt counts (a claim taken over is its new holder's to decide), as for the outcome.
 * Returns where to look for their receipts.
 */
export async function recordUnknownSubmits(
  trx: Trx,
  outcomes: readonly Unanswered[],
): Promise<UnknownScope[]> {
  const unknown = outcomes.filter(({ item }) => item.unknownOutcome && item.connectorId !== undefined);
  const rows = unknown.map(({ item, now }) => {
    const partIndex = item.kind === "retry" ? (item.accepted?.smscIds.length ?? 0) : 0;
    return [
      item.message.uuid,
      partIndex,
      item.connectorId!,
      normaliseAddress(item.message.phone),
      item.message.senderId,
      partTextPrefix(item.message, partIndex),
      item.sentAt ?? now,
      now,
      item.owner,
    ];
  });
  await insertRows(
    trx,
    "unknown_submits (message_uuid, part_index, connector_id, destination, source, text_prefix, sent_at, recorded_at)",
    "v.column1, CAST(v.column2 AS integer), v.column3, v.column4, v.column5, v.column6, CAST(v.column7 AS bigint), CAST(v.column8 AS bigint)",
    rows,
    "AND EXISTS (SELECT 1 FROM queue q WHERE q.message_uuid = v.column1 AND q.lease_owner = v.column9)",
  );
  return rows.map((r) => ({ connectorId: r[2] as string, destination: r[3] as string }));
}

/**
 * Pairs unknown attempts and waiting receipts within `scope`, links each pair and returns the receipts to
 * apply now (their parts are recorded). The caller has written its status changes: messages are read anew.
 */
export async function linkUnknownReceipts(
  trx: Trx,
  dialect: Dialect,
  scope: readonly UnknownScope[],
  changes: Changes,
  now: number,
): Promise<Timed<ReceiptUpdate>[]> {
  const byConnector = new Map<string, Set<string>>();
  for (const s of scope)
    byConnector.set(s.connectorId, (byConnector.get(s.connectorId) ?? new Set()).add(s.destination));
  const attempts: (UnknownAttempt & { id: number })[] = [];
  const receipts: (AddressedReceipt & { row: ReturnType<typeof pendingToReceipt> & { id: number } })[] = [];
  for (const [connectorId, destinations] of byConnector) {
    for (const chunk of paddedChunks([...destinations])) {
      const tried = await trx
        .selectFrom("unknown_submits as u")
        .innerJoin("messages as m", "m.uuid", "u.message_uuid")
        .selectAll("u")
        .where("u.connector_id", "=", connectorId)
        .where("u.destination", "in", chunk)
        .select(["m.status_code"])
        .where((w) =>
          w.or([
            w("m.status_code", "in", [Status.NEW, Status.BLOCKED]),
            w.and([w("m.status_code", "=", Status.TRANSMITTED), w("m.dlr_code", "not in", FINAL_DLR_CODES)]),
          ]),
        )
        .execute();
      for (const u of tried) {
        attempts.push({
          id: Number(u.id),
          uuid: u.message_uuid,
          partIndex: u.part_index,
          connectorId,
          destination: u.destination,
          source: u.source,
          text: u.text_prefix,
          sentAt: Number(u.sent_at),
          recordedAt: Number(u.recorded_at),
          ...(u.status_code === Status.TRANSMITTED ? { submittedByAnother: true } : {}),
        });
      }
      if (tried.length === 0) continue;
      const waiting = await trx
        .selectFrom("pending_receipts")
        .selectAll()
        .where("connector_id", "=", connectorId)
        .where("source_addr", "in", chunk)
        .execute();
      for (const r of waiting) {
        receipts.push({
          connectorId,
          source: r.source_addr,
          destination: r.destination_addr,
          submittedAt: r.submitted_at === null ? null : Number(r.submitted_at),
          text: r.text_prefix,
          receivedAt: Number(r.received_at),
          seq: Number(r.id),
          state: r.state,
          row: { ...pendingToReceipt(r), id: Number(r.id) },
        });
      }
    }
  }
  let pairs = pairUnknownReceipts(attempts, receipts);
  if (pairs.length === 0) return [];

  // Only receipts this statement deleted are linked: another process may be taking the same rows.
  const taken = new Set<number>();
  for (const chunk of paddedChunks(pairs.map((p) => p.receipt.row.id))) {
    const rows = await trx
      .deleteFrom("pending_receipts")
      .where("id", "in", (eb) =>
        eb
          .selectFrom("pending_receipts as p")
          .select("p.id")
          .where("p.id", "in", chunk)
          .$if(dialect === "postgres", (q) => q.forUpdate().skipLocked()),
      )
      .returning("id")
      .execute();
    for (const r of rows) taken.add(Number(r.id));
  }
  pairs = pairs.filter((p) => taken.has(p.receipt.row.id));

  const messages = await readMessages(trx, dialect, [...new Set(pairs.map((p) => p.attempt.uuid))]);
  const submitted: unknown[][] = [];
  const linked: Timed<ReceiptUpdate>[] = [];
  // A message a resubmission submitted meanwhile: the earlier copy's "delivered" goes to the part it recorded.
  const byAnother = pairs.filter((p) => p.attempt.submittedByAnother);
  const resubmittedPart = new Map<string, { connector_id: string; smsc_id: string; state: string }>();
  for (const chunk of paddedChunks([...new Set(byAnother.map((p) => p.attempt.uuid))])) {
    const rows = await trx
      .selectFrom("message_parts")
      .select(["message_uuid", "part_index", "connector_id", "smsc_id", "state"])
      .where("message_uuid", "in", chunk)
      .execute();
    for (const r of rows) resubmittedPart.set(`${r.message_uuid}\0${r.part_index}`, r);
  }
  for (const { attempt, receipt } of byAnother) {
    const part = resubmittedPart.get(`${attempt.uuid}\0${attempt.partIndex}`);
    if (!part || !awaitsReceipt(part.state)) continue;
    const { state, errorCode } = receipt.row;
    const item = {
      connectorId: part.connector_id,
      smscId: part.smsc_id,
      state,
      ...(errorCode !== undefined ? { errorCode } : {}),
    };
    linked.push({ item, now });
  }
  for (const { attempt, receipt } of pairs) {
    if (attempt.submittedByAnother) continue;
    const m = messages.get(attempt.uuid);
    if (!m) continue;
    const { id: _id, ...update } = receipt.row;
    linked.push({ item: update, now });
    if (attempt.partIndex !== m.partsCount - 1) continue;
    // The last part was accepted: the message is submitted with it (core rule: not if submitted meanwhile).
    const decided = recordFoundSubmit(m, now);
    if (!decided) continue;
    changes.add(decided, true);
    submitted.push([m.uuid, Math.floor(attempt.sentAt / 1000), now]);
  }
  const partOf = new Map(pairs.map((p) => [`${p.attempt.uuid}\0${p.attempt.partIndex}`, p]));
  await insertRows(
    trx,
    "message_parts (message_uuid, part_index, connector_id, smsc_id, state, updated_at)",
    "v.column1, CAST(v.column2 AS integer), v.column3, v.column4, 'ENROUTE', CAST(v.column5 AS bigint)",
    [...partOf.values()]
      .filter((p) => !p.attempt.submittedByAnother)
      .map(({ attempt, receipt }) => [
        attempt.uuid,
        attempt.partIndex,
        attempt.connectorId,
        receipt.row.smscId,
        now,
      ]),
    "ON CONFLICT (message_uuid, part_index) DO NOTHING",
  );
  // Unlike writeStatus this may correct a message given up without a submission (dlr 8 or 16, not refunded).
  await updateFromRows(
    trx,
    `UPDATE messages SET status_code = ${Status.TRANSMITTED}, dlr_code = ${Dlr.EN_ROUTE}, is_sent = 1, ` +
      "gateway_sent_at = CAST(v.column2 AS bigint), updated_at = CAST(v.column3 AS bigint)",
    `messages.uuid = v.column1 AND messages.status_code IN (${Status.NEW}, ${Status.BLOCKED})`,
    submitted,
  );
  for (const chunk of paddedChunks(submitted.map((r) => r[0] as string))) {
    await trx.deleteFrom("queue").where("message_uuid", "in", chunk).execute();
  }
  for (const chunk of paddedChunks(pairs.map((p) => p.attempt.uuid))) {
    // Its other unknown attempts go too: the part has its copy (a second copy's receipt waits, then drops).
    const parts = new Set(pairs.map((p) => `${p.attempt.uuid}\0${p.attempt.partIndex}`));
    const rows = await trx
      .selectFrom("unknown_submits")
      .select(["id", "message_uuid", "part_index"])
      .where("message_uuid", "in", chunk)
      .execute();
    const ids = rows.filter((r) => parts.has(`${r.message_uuid}\0${r.part_index}`)).map((r) => Number(r.id));
    for (const idChunk of paddedChunks(ids))
      await trx.deleteFrom("unknown_submits").where("id", "in", idChunk).execute();
  }
  return linked;
}

/** Maintenance: the destinations of unknown attempts, for pairs two processes' writes left apart. */
export async function unknownScopes(trx: Trx): Promise<UnknownScope[]> {
  const rows = await trx
    .selectFrom("unknown_submits")
    .select(["connector_id", "destination"])
    .distinct()
    .limit(1000)
    .execute();
  return rows.map((r) => ({ connectorId: r.connector_id, destination: r.destination }));
}

/** Maintenance: unknown attempts older than the validity period can no longer be told by a receipt. */
export async function dropUnknownSubmits(trx: Trx, recordedBefore: number): Promise<void> {
  await trx.deleteFrom("unknown_submits").where("recorded_at", "<", recordedBefore).execute();
}
