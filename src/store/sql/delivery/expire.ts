/** Expiry of messages whose receipt never came within the validity period. */
import { Dlr, Status } from "../../../core/message.js";
import type { Db } from "../db.js";
import { rowToMessage } from "../messages.js";
import { Changes, enqueueEvents } from "./changes.js";

/** Expires up to 1000 messages submitted before `sentBefore` and still without a final receipt; returns how many. */
export function expireStale({ kysely, dialect }: Db, sentBefore: number, now: number): Promise<number> {
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
}
