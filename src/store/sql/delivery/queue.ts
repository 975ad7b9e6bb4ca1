/** The dispatcher's side of the queue: claiming due rows under a lease, renewing leases, counting the lanes. */
import type { ClaimedMessage, DeliveryStore } from "../../ports/index.js";
import { paddedChunks } from "../bulk.js";
import type { Db } from "../db.js";
import { rowToMessage } from "../messages.js";

export function sqlQueue({ kysely, dialect }: Db): Pick<DeliveryStore, "claimDue" | "renewLeases" | "queueDepth"> {
  return {
    async claimDue(owner, now, limit, leaseMs, onlyPriority): Promise<ClaimedMessage[]> {
      let due = kysely
        .selectFrom("queue")
        .select("message_uuid")
        .where("due_at", "<=", now)
        .$if(onlyPriority !== undefined, (q) => q.where("priority", "=", onlyPriority!))
        .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", now)]))
        .orderBy("priority")
        .orderBy("due_at")
        .limit(limit);
      // Several processes share a PostgreSQL queue: each takes rows the others have not locked.
      if (dialect === "postgres") due = due.forUpdate().skipLocked();
      const claimed = await kysely
        .updateTable("queue")
        .set({ lease_owner: owner, lease_until: now + leaseMs })
        .where("message_uuid", "in", due)
        .returning(["message_uuid", "attempts"])
        .execute();
      if (claimed.length === 0) return [];
      const rows = [];
      for (const chunk of paddedChunks(claimed.map((c) => c.message_uuid))) {
        rows.push(...(await kysely.selectFrom("messages").selectAll().where("uuid", "in", chunk).execute()));
      }
      const attempts = new Map(claimed.map((c) => [c.message_uuid, c.attempts]));
      return rows
        .map((row) => ({ message: rowToMessage(row), attempts: attempts.get(row.uuid) ?? 0 }))
        .sort((a, b) => a.message.priority - b.message.priority);
    },

    async renewLeases(owner, uuids, until) {
      for (const chunk of paddedChunks(uuids)) {
        await kysely
          .updateTable("queue")
          .set({ lease_until: until })
          .where("lease_owner", "=", owner)
          .where("message_uuid", "in", chunk)
          // A row another transaction holds is being recorded, cancelled or claimed and needs no renewal;
          // waiting for it, while holding the rows renewed so far, could deadlock with that transaction.
          .$if(dialect === "postgres", (q) =>
            q.where("message_uuid", "in", (eb) =>
              eb
                .selectFrom("queue as q")
                .select("q.message_uuid")
                .where("q.message_uuid", "in", chunk)
                .forUpdate()
                .skipLocked(),
            ),
          )
          .execute();
      }
    },

    async queueDepth() {
      const rows = await kysely
        .selectFrom("queue")
        .select(["priority", (eb) => eb.fn.countAll<number>().as("n")])
        .groupBy("priority")
        .execute();
      const of = (p: number) => Number(rows.find((r) => Number(r.priority) === p)?.n ?? 0);
      return { transactional: of(0), bulk: of(1) };
    },
  };
}
