/** Expiry of messages whose receipt never came within the validity period. */
import { expire } from "../../../core/delivery/rules.js";
import { Dlr, Status } from "../../../core/message.js";
import type { WebhookRenderer } from "../../ports/index.js";
import type { Db } from "../db.js";
import { Changes, enqueueDeliveryEvents } from "./changes.js";
import { deliveryStateOf } from "./read-messages.js";

const PURGE_BATCH = 10_000;

/** Expires up to 1000 messages submitted before `sentBefore` and still without a final receipt; returns how many. */
export function expireStale(
  { kysely, dialect }: Db,
  render: WebhookRenderer,
  sentBefore: number,
  now: number,
): Promise<number> {
  // Read and written in one transaction (rows locked on PostgreSQL), so a receipt applied in between
  // cannot be overwritten: a delivered message never turns expired.
  return kysely.transaction().execute(async (trx) => {
    // Attempts are kept for the validity period: a message older than that has ended (or expires now).
    // Bounded per run, like the expiry below; what is left goes next time.
    await trx
      .deleteFrom("delivery_attempts")
      .where("id", "in", (eb) =>
        eb.selectFrom("delivery_attempts").select("id").where("at", "<", sentBefore).limit(PURGE_BATCH),
      )
      .execute();
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
    for (const row of stale) {
      const decided = expire(deliveryStateOf(row), now);
      if (decided) changes.add(decided);
    }
    await changes.writeStatus(trx);
    await enqueueDeliveryEvents(trx, changes.events, render);
    return stale.length;
  });
}
