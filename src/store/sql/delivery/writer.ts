/**
 * The delivery writer: one group commit for all delivery state, so a receipt is never applied before the
 * submit it follows.
 *
 * A group commit holds the outcomes and receipts of many messages, and each kind of write is one
 * set-based statement for the whole batch (see bulk.ts): a delivered message costs a fraction of a
 * statement, not one statement per step. The batch still behaves as if its items were applied one by one:
 * state that later items depend on (part states, a message's dlr code) is read once and followed in memory.
 */
import type { DeliveryOutcome, ReceiptUpdate, WebhookRenderer } from "../../ports/index.js";
import type { Db, Dialect } from "../db.js";
import { GroupCommit } from "../group-commit.js";
import { Changes, enqueueDeliveryEvents } from "./changes.js";
import { recordRound } from "./outcomes.js";
import { dropUnmatchedReceipts, takeMatchedReceipts } from "./pending-receipts.js";
import { applyReceipts } from "./receipts.js";
import type { Timed, Trx } from "./types.js";
import { dropUnknownSubmits, linkUnknownReceipts, unknownScopes } from "./unknown-receipts.js";
import { rerunOnDeadlock } from "../deadlock.js";
import { type HandOffTicket, type OutboxHandOff, withHandOff } from "../outbox-hand-off.js";

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

export type Op =
  | { kind: "outcomes"; items: DeliveryOutcome[]; now: number }
  | { kind: "receipts"; items: ReceiptUpdate[]; now: number }
  | { kind: "maintenance"; receivedBefore: number; now: number };

/**
 * One batch of the delivery writer. Outcomes go first, so a receipt in the same batch as the submit it
 * follows finds its part; receipts that waited past their submit's record go next (they are older than
 * the batch's own), and the batch's receipts then apply in arrival order.
 */
async function writeBatch(
  trx: Trx,
  dialect: Dialect,
  render: WebhookRenderer,
  ops: readonly Op[],
  handOff: HandOffTicket | undefined,
): Promise<void> {
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
    // Copies of unknown attempts whose receipts two processes stored side by side, unseen by each other.
    const linked = await linkUnknownReceipts(trx, dialect, await unknownScopes(trx), changes, op.now);
    await applyReceipts(trx, dialect, linked, changes);
    await dropUnmatchedReceipts(trx, dialect, op.receivedBefore);
    await dropUnknownSubmits(trx, op.receivedBefore);
  }
  await applyReceipts(trx, dialect, receipts, changes);
  await enqueueDeliveryEvents(trx, changes.events, render, handOff);
}

/** `handOff`: new webhook events go to this process's dispatcher after the commit (outbox-hand-off.ts). */
export function deliveryWriter(
  { kysely, dialect }: Db,
  render: WebhookRenderer,
  handOff?: OutboxHandOff,
): GroupCommit<Op, void> {
  return new GroupCommit<Op, void>(
    // A batch that takes a second round of message locks (receipts after submit records) can still close a
    // cycle with another process's batch, if rarely (a message submitted twice). PostgreSQL then aborts one
    // of them, and it runs again rather than fail hundreds of outcomes whose messages would then be
    // submitted once more.
    async (ops) =>
      rerunOnDeadlock(dialect, async () => {
        await withHandOff(handOff, (ticket) =>
          kysely.transaction().execute((trx) => writeBatch(trx, dialect, render, ops, ticket)),
        );
        return ops.map(() => undefined);
      }),
    500,
    // SQLite's one connection runs the groups' transactions strictly in turn, so the next group may write
    // while the previous one waits for its fsync. On PostgreSQL two groups would run side by side and a
    // receipt could miss the submit committing beside it.
    dialect === "sqlite" ? 2 : 1,
  );
}
