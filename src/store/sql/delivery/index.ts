/**
 * The delivery side of the store: claiming due queue rows, recording submit outcomes and receipts.
 * Status changes and their webhook events commit together (the outbox pattern), and writes from the
 * dispatcher are grouped into shared transactions like message acceptance.
 */
import { type DeliveryStore, neutralWebhook, type WebhookRenderer } from "../../ports/index.js";
import type { Db } from "../db.js";
import { sqlEnRouteParts } from "./en-route.js";
import { expireStale } from "./expire.js";
import { DROP_BATCH, dropUnmatchedReceipts } from "./pending-receipts.js";
import { sqlQueue } from "./queue.js";
import { deliveryWriter } from "./writer.js";
import type { OutboxHandOff } from "../outbox-hand-off.js";

/** 100,000 unmatched receipts per maintenance run (every ≤ 30 s): ~3,300/s, well above any connector's rate. */
const MAX_DROP_BATCHES_PER_RUN = 100;

export function sqlDeliveryStore(
  db: Db,
  render: WebhookRenderer = neutralWebhook,
  handOff?: OutboxHandOff,
): DeliveryStore {
  // One writer for all delivery state, so a receipt is never applied before the submit it follows.
  const writer = deliveryWriter(db, render, handOff);

  return {
    ...sqlQueue(db),
    enRouteParts: sqlEnRouteParts(db),

    record: (outcomes, now) => writer.submit({ kind: "outcomes", items: outcomes, now }),
    applyReceipts: (receipts, now) => writer.submit({ kind: "receipts", items: receipts, now }),

    async expireStale(sentBefore, now) {
      // Receipts that waited past their submit's record go first, through the writer like any receipt: a
      // message they end does not expire. Those still unmatched after the validity period are dropped.
      await writer.submit({ kind: "maintenance", receivedBefore: sentBefore, now });
      // The writer's run dropped one batch. More (a connector whose receipts never match, say) go one short
      // statement at a time outside it, so submit records and receipts do not wait behind them. Bounded per
      // run; what is left goes next time.
      for (let batch = 1; batch < MAX_DROP_BATCHES_PER_RUN; batch++) {
        if ((await dropUnmatchedReceipts(db.kysely, db.dialect, sentBefore)) < DROP_BATCH) break;
      }
      return expireStale(db, render, sentBefore, now);
    },
  };
}
