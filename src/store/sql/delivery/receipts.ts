/** Applies delivery receipts to message parts and, through the parts, to their messages' dlr codes. */
import { applyReceipt, matchReceipt } from "../../../core/delivery/rules.js";
import type { PartRef } from "../../../core/delivery/state.js";
import { normaliseAddress, RECEIPT_TEXT_LENGTH } from "../../../core/delivery/unknown-receipts.js";
import { isFinalDlr, type PartState } from "../../../core/delivery-state.js";
import type { ReceiptUpdate } from "../../ports/index.js";
import { insertRows, paddedChunks, updateFromRows } from "../bulk.js";
import type { Dialect } from "../db.js";
import type { Changes } from "./changes.js";
import { readMessages } from "./read-messages.js";
import type { Timed, Trx } from "./types.js";
import { linkUnknownReceipts } from "./unknown-receipts.js";

/**
 * Applies receipts in order. Everything they depend on is read up front (each receipt's part, its
 * message under a lock, see readMessages, the part states of long messages), followed in memory receipt
 * by receipt, and written once.
 *
 * `late` receipts are ones that waited in pending_receipts past their submit's record (see
 * takeMatchedReceipts). One whose part has had a receipt applied meanwhile is older than that receipt,
 * which arrived once the part was recorded: it is dropped rather than put the part's state back.
 */
export async function applyReceipts(
  trx: Trx,
  dialect: Dialect,
  receipts: readonly Timed<ReceiptUpdate>[],
  changes: Changes,
  late = false,
): Promise<void> {
  if (receipts.length === 0) return;
  const key = (connectorId: string, smscId: string) => `${connectorId}\0${smscId}`;

  // Every part that got a receipt's id on its connector; the rules pick the one it belongs to.
  const candidates = new Map<string, PartRef[]>();
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
          .select(["message_uuid", "part_index", "smsc_id", "state", "updated_at"])
          .where("connector_id", "=", connectorId)
          .where("smsc_id", "in", chunk)
          .execute();
        for (const r of rows) {
          const k = key(connectorId, r.smsc_id);
          const list = candidates.get(k) ?? [];
          candidates.set(k, list);
          list.push({
            uuid: r.message_uuid,
            partIndex: r.part_index,
            state: r.state,
            resubmitted: table === "resubmitted_parts",
            updatedAt: Number(r.updated_at),
          });
        }
      }
    }
  };
  const parts = new Map<string, PartRef>();
  const match = () => {
    for (const [k, list] of candidates) {
      const part = matchReceipt(list);
      if (part) parts.set(k, part);
    }
  };
  await lookUp("message_parts", receipts.map((r) => r.item));
  match();
  // Only a receipt without an awaiting part of a first submission can be one of a later submission.
  const missing = receipts.map((r) => r.item).filter((r) => !parts.has(key(r.connectorId, r.smscId)));
  if (missing.length > 0) {
    await lookUp("resubmitted_parts", missing);
    match();
  }

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
      waiting.push([
        r.connectorId,
        r.smscId,
        r.state,
        r.errorCode ?? null,
        now,
        r.source === undefined ? null : normaliseAddress(r.source),
        r.destination ?? null,
        r.submittedAt ?? null,
        r.text === undefined ? null : [...r.text].slice(0, RECEIPT_TEXT_LENGTH).join(""),
      ]);
      continue;
    }
    // A waiting receipt older than one its part has had applied meanwhile does not put the state back.
    if (late && part.state !== "ENROUTE") continue;
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
    const message = messages.get(part.uuid);
    if (!message) continue;
    const states = partStates.get(message.uuid) ?? new Map<number, PartState>();
    partStates.set(message.uuid, states);
    const decided = applyReceipt(message, states, part.partIndex, r.state, now);
    if (decided) changes.add(decided);
  }

  await insertRows(
    trx,
    "pending_receipts (connector_id, smsc_id, state, error_code, received_at, source_addr, destination_addr, submitted_at, text_prefix)",
    "v.column1, v.column2, v.column3, CAST(v.column4 AS integer), CAST(v.column5 AS bigint), v.column6, v.column7, CAST(v.column8 AS bigint), v.column9",
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
  await changes.writeStatus(trx);

  // A waiting receipt may be the one of a copy whose submit outcome was unknown: found, it applies now.
  const scope = waiting.flatMap((w) => (w[5] === null ? [] : [{ connectorId: w[0] as string, destination: w[5] as string }]));
  if (scope.length === 0) return;
  const linked = await linkUnknownReceipts(trx, dialect, scope, changes, Math.max(...receipts.map((r) => r.now)));
  await applyReceipts(trx, dialect, linked, changes);
}
