/** The dispatcher's side of the queue: claiming due rows under a lease, renewing leases, counting the lanes. */
import type { AcceptedParts, ClaimedMessage, DeliveryStore } from "../../ports/index.js";
import { paddedChunks } from "../bulk.js";
import type { Db } from "../db.js";
import { rowToMessage } from "../messages.js";

export function sqlQueue({
  kysely,
  dialect,
}: Db): Pick<DeliveryStore, "claimDue" | "claimQueued" | "renewLeases" | "queueDepth"> {
  const claims: Pick<DeliveryStore, "claimDue" | "claimQueued"> = {
    claimDue(owner, now, limit, leaseMs, onlyPriority) {
      const due = free(now)
        .$if(onlyPriority !== undefined, (q) => q.where("priority", "=", onlyPriority!))
        .orderBy("priority")
        .orderBy("due_at")
        .limit(limit);
      return claim(owner, now, leaseMs, due);
    },

    async claimQueued(owner, uuids, now, leaseMs) {
      const claimed: ClaimedMessage[] = [];
      for (const chunk of paddedChunks([...uuids])) {
        claimed.push(...(await claim(owner, now, leaseMs, free(now).where("message_uuid", "in", chunk))));
      }
      return claimed;
    },
  };

  /** Due queue rows nobody holds a live lease on. */
  function free(now: number) {
    return kysely
      .selectFrom("queue")
      .select("message_uuid")
      .where("due_at", "<=", now)
      .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", now)]));
  }

  /** Leases the rows `due` selects and reads their messages. */
  async function claim(
    owner: string,
    now: number,
    leaseMs: number,
    selected: ReturnType<typeof free>,
  ): Promise<ClaimedMessage[]> {
    // Several processes share a PostgreSQL queue: each takes rows the others have not locked.
    const due = dialect === "postgres" ? selected.forUpdate().skipLocked() : selected;
    const claimed = await kysely
      .updateTable("queue")
      // A row still leased to someone (whose lease lapsed) was never recorded by its holder: a crashed or
      // stalled dispatcher that may have sent it. That counts as an unknown outcome.
      .set((eb) => ({
        lease_owner: owner,
        lease_until: now + leaseMs,
        unknown_outcomes: eb(
          "unknown_outcomes",
          "+",
          eb.case().when("lease_owner", "is not", null).then(1).else(0).end(),
        ),
      }))
      .where("message_uuid", "in", due)
      .returning(["message_uuid", "attempts", "unknown_outcomes"])
      .execute();
    if (claimed.length === 0) return [];
    const rows = [];
    for (const chunk of paddedChunks(claimed.map((c) => c.message_uuid))) {
      rows.push(...(await kysely.selectFrom("messages").selectAll().where("uuid", "in", chunk).execute()));
    }
    const attempts = new Map(claimed.map((c) => [c.message_uuid, c.attempts]));
    const unknown = new Map(claimed.map((c) => [c.message_uuid, Number(c.unknown_outcomes)]));
    const accepted = await acceptedParts(
      kysely,
      rows.filter((r) => r.parts_count > 1).map((r) => r.uuid),
    );
    return rows
      .map((row) => {
        const parts = accepted.get(row.uuid);
        const unknownOutcomes = unknown.get(row.uuid) ?? 0;
        return {
          message: rowToMessage(row),
          attempts: attempts.get(row.uuid) ?? 0,
          ...(parts ? { accepted: parts } : {}),
          ...(unknownOutcomes > 0 ? { unknownOutcomes } : {}),
        };
      })
      .sort((a, b) => a.message.priority - b.message.priority);
  }

  return {
    ...claims,
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

/**
 * The parts of these long messages that an earlier attempt got accepted (recorded with its retry), so the
 * next attempt resumes after them. Only parts 1..k in order count: the next attempt sends part k+1 on.
 */
async function acceptedParts(kysely: Db["kysely"], uuids: string[]): Promise<Map<string, AcceptedParts>> {
  const result = new Map<string, AcceptedParts>();
  for (const chunk of paddedChunks(uuids)) {
    const rows = await kysely
      .selectFrom("message_parts")
      .select(["message_uuid", "part_index", "connector_id", "smsc_id"])
      .where("message_uuid", "in", chunk)
      .orderBy("message_uuid")
      .orderBy("part_index")
      .execute();
    for (const r of rows) {
      const parts = result.get(r.message_uuid) ?? { connectorId: r.connector_id, smscIds: [] };
      if (r.part_index === parts.smscIds.length) parts.smscIds.push(r.smsc_id);
      result.set(r.message_uuid, parts);
    }
  }
  return result;
}
