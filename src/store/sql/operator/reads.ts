/** Cross-account reads for the console and the metrics; bounded by `limit` or by time. */
import { sql } from "kysely";
import { Dlr, Priority } from "../../../core/message.js";
import type { AttemptTrace, MessageTrace, OperatorStore, QueueLaneStats, ThroughputBucket } from "../../ports/operator.js";
import type { Db } from "../db.js";
import { toCampaign } from "../fullsms/campaigns.js";
import { rowToMessage } from "../messages.js";

export function sqlOperatorStore({ kysely }: Db): Omit<OperatorStore, never> {
  return {
    async queueStats(now) {
      const rows = await kysely
        .selectFrom("queue")
        .select((eb) => [
          "priority",
          eb.fn.countAll<number>().as("depth"),
          sql<
            number | null
          >`min(case when ${eb.ref("due_at")} <= ${now} and ${eb.ref("lease_owner")} is null then ${eb.ref("due_at")} end)`.as(
            "oldest",
          ),
        ])
        .groupBy("priority")
        .execute();
      const lane = (priority: number): QueueLaneStats => {
        const row = rows.find((r) => Number(r.priority) === priority);
        return {
          lane: priority === Priority.TRANSACTIONAL ? "transactional" : "bulk",
          depth: Number(row?.depth ?? 0),
          oldestDueAt: row?.oldest === null || row?.oldest === undefined ? null : Number(row.oldest),
        };
      };
      return [lane(Priority.TRANSACTIONAL), lane(Priority.BULK)];
    },

    async searchMessages(q) {
      let query = kysely.selectFrom("messages").selectAll();
      if (q.uuid) query = query.where("uuid", "=", q.uuid);
      if (q.phone) query = query.where("phone", "like", `%${q.phone.replace(/[^\d]/g, "")}`);
      if (q.accountId !== undefined) query = query.where("account_id", "=", q.accountId);
      if (q.statusCode !== undefined) query = query.where("status_code", "=", q.statusCode);
      if (q.dlrCode !== undefined) query = query.where("dlr_code", "=", q.dlrCode);
      if (q.createdFrom !== undefined) query = query.where("created_at", ">=", q.createdFrom);
      if (q.createdTo !== undefined) query = query.where("created_at", "<=", q.createdTo);
      const rows = await query.orderBy("uuid", "desc").limit(q.limit).execute();
      return rows.map(rowToMessage);
    },

    async trace(uuid) {
      const row = await kysely.selectFrom("messages").selectAll().where("uuid", "=", uuid).executeTakeFirst();
      if (!row) return undefined;
      const [queue, parts, resubmitted, webhooks] = await Promise.all([
        kysely.selectFrom("queue").selectAll().where("message_uuid", "=", uuid).executeTakeFirst(),
        kysely
          .selectFrom("message_parts")
          .selectAll()
          .where("message_uuid", "=", uuid)
          .orderBy("part_index")
          .execute(),
        kysely
          .selectFrom("resubmitted_parts")
          .selectAll()
          .where("message_uuid", "=", uuid)
          .orderBy("part_index")
          .execute(),
        // The outbox has no message column; its rows for one account are few enough to filter by the data.
        kysely
          .selectFrom("webhook_outbox")
          .selectAll()
          .where("account_id", "=", row.account_id)
          .where("data", "like", `%${uuid}%`)
          .orderBy("id")
          .limit(100)
          .execute(),
      ]);
      const part = (resubmittedPart: boolean) => (p: (typeof parts)[number]) => ({
        partIndex: Number(p.part_index),
        connectorId: p.connector_id,
        smscId: p.smsc_id,
        state: p.state,
        errorCode: p.error_code === null ? null : Number(p.error_code),
        updatedAt: Number(p.updated_at),
        resubmitted: resubmittedPart,
      });
      const trace: MessageTrace = {
        message: rowToMessage(row),
        queue: queue
          ? {
              dueAt: Number(queue.due_at),
              attempts: Number(queue.attempts),
              lastError: queue.last_error,
              leased: queue.lease_owner !== null,
            }
          : null,
        parts: [...parts.map(part(false)), ...resubmitted.map(part(true))],
        webhooks: webhooks.map((w) => ({
          url: w.url,
          name: w.name,
          status: w.status,
          attempts: Number(w.attempts),
          createdAt: Number(w.created_at),
          nextAttemptAt: Number(w.next_attempt_at),
          lastError: w.last_error,
          data: JSON.parse(w.data) as unknown,
        })),
      };
      return trace;
    },

    async attempts(uuid) {
      const rows = await kysely
        .selectFrom("delivery_attempts")
        .selectAll()
        .where("message_uuid", "=", uuid)
        .orderBy("at")
        .orderBy("id")
        .limit(200)
        .execute();
      return rows.map(
        (r): AttemptTrace => ({
          at: Number(r.at),
          kind: r.kind === "webhook" ? "webhook" : "submit",
          outcome: r.outcome,
          connectorId: r.connector_id,
          smscIds: r.smsc_ids ? r.smsc_ids.split(",") : [],
          outboxId: r.outbox_id,
          url: r.url,
          httpStatus: r.http_status === null ? null : Number(r.http_status),
          error: r.error,
        }),
      );
    },

    async throughput(since, bucketMs) {
      // Literal, not bound: PostgreSQL matches the GROUP BY to the select list by text, and two sets of
      // parameters would make them differ. bucketMs is an integer of ours, never a caller's string.
      const size = sql.lit(Math.max(1, Math.trunc(bucketMs)));
      const bucket = sql<number>`(created_at / ${size}) * ${size}`;
      const rows = await kysely
        .selectFrom("messages")
        .select((eb) => [
          bucket.as("at"),
          eb.fn.countAll<number>().as("accepted"),
          sql<number>`sum(case when dlr_code = ${Dlr.DELIVERED} then 1 else 0 end)`.as("delivered"),
          sql<number>`sum(case when dlr_code in (${Dlr.EXPIRED}, ${Dlr.REJECTED}) or status_code not in (0, 100) then 1 else 0 end)`.as(
            "failed",
          ),
        ])
        .where("created_at", ">=", since)
        .groupBy(bucket)
        .orderBy(bucket)
        .execute();
      return rows.map(
        (r): ThroughputBucket => ({
          at: Number(r.at),
          accepted: Number(r.accepted),
          delivered: Number(r.delivered),
          failed: Number(r.failed),
        }),
      );
    },

    async recentCampaigns(limit) {
      const rows = await kysely
        .selectFrom("campaigns")
        .selectAll()
        .orderBy("created_at", "desc")
        .limit(limit)
        .execute();
      return rows.map(toCampaign);
    },
  };
}
