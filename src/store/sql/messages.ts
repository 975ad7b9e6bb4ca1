import { type Kysely, sql, type Transaction } from "kysely";
import type { Message, PriorityLane, ServiceCode } from "../../core/message.js";
import { Status } from "../../core/message.js";
import type {
  AcceptBatch,
  AcceptOutcome,
  CancelOutcome,
  MessageQuery,
  MessageStore,
} from "../ports/index.js";
import { rerunOnDeadlock } from "./deadlock.js";
import type { Database, Db } from "./db.js";
import { GroupCommit } from "./group-commit.js";
import { type Placeholder, prepared, preparedInsert } from "./prepared.js";
import type { MessagesTable, QueueTable } from "./schema.js";

export function messageToRow(m: Message, now: number): MessagesTable {
  return {
    uuid: m.uuid,
    account_id: m.accountId,
    key_id: m.keyId,
    text: m.text,
    sender_id: m.senderId,
    phone: m.phone,
    iso2: m.iso2,
    delivery_at: m.deliveryAt,
    status_code: m.statusCode,
    dlr_code: m.dlrCode,
    gateway_sent_at: m.gatewaySentAt,
    source: m.source,
    ip: m.ip,
    created_at: m.createdAt,
    is_unicode: m.isUnicode ? 1 : 0,
    encoding: m.encoding,
    voice_lang: m.voiceLang,
    parts_count: m.partsCount,
    chars_count: m.charsCount,
    callback_data: m.callbackData,
    bulk_id: m.bulkId,
    service_code: m.serviceCode,
    is_text_deleted: m.isTextDeleted ? 1 : 0,
    price_micros: m.priceMicros,
    is_sent: m.isSent ? 1 : 0,
    attempts_count_max: m.attemptsCountMax,
    priority: m.priority,
    updated_at: now,
  };
}

export function rowToMessage(r: MessagesTable): Message {
  return {
    uuid: r.uuid,
    accountId: Number(r.account_id),
    keyId: r.key_id === null ? null : Number(r.key_id),
    text: r.text,
    senderId: r.sender_id,
    phone: r.phone,
    iso2: r.iso2,
    deliveryAt: Number(r.delivery_at),
    statusCode: r.status_code,
    dlrCode: r.dlr_code,
    gatewaySentAt: Number(r.gateway_sent_at),
    source: r.source === null ? null : Number(r.source),
    ip: r.ip,
    createdAt: Number(r.created_at),
    isUnicode: r.is_unicode === 1,
    encoding: r.encoding === "ucs2" ? "ucs2" : "gsm7",
    voiceLang: r.voice_lang,
    partsCount: r.parts_count,
    charsCount: r.chars_count,
    callbackData: r.callback_data,
    bulkId: r.bulk_id,
    serviceCode: r.service_code as ServiceCode,
    isTextDeleted: r.is_text_deleted === 1,
    priceMicros: Number(r.price_micros),
    isSent: r.is_sent === 1,
    attemptsCountMax: r.attempts_count_max,
    priority: r.priority as PriorityLane,
  };
}

// Every column messageToRow fills, in its order (it reads no field it could fail on).
const MESSAGE_COLUMNS = Object.keys(messageToRow({} as Message, 0)) as (keyof MessagesTable & string)[];
const QUEUE_COLUMNS = [
  "message_uuid",
  "priority",
  "due_at",
  "attempts",
  "lease_owner",
  "lease_until",
  "last_error",
] as const;

/** The acceptance statements, compiled once: they run for every message accepted. */
function acceptanceQueries(kysely: Kysely<Database>) {
  return {
    // The balance check and the debit are one statement, so concurrent sends can never overdraw.
    debit: prepared((p: Placeholder<{ amount: number; now: number; accountId: number }>) =>
      kysely
        .updateTable("accounts")
        .set((eb) => ({
          balance_micros: eb("balance_micros", "-", p("amount")),
          balance_changed_at: p("now"),
        }))
        .where("id", "=", p("accountId"))
        .where("balance_micros", ">=", p("amount")),
    ),
    accountExists: prepared((p: Placeholder<{ accountId: number }>) =>
      kysely.selectFrom("accounts").select("id").where("id", "=", p("accountId")),
    ),
    insertMessages: preparedInsert<Database, "messages", MessagesTable>(kysely, "messages", MESSAGE_COLUMNS),
    insertQueue: preparedInsert<Database, "queue", QueueTable>(kysely, "queue", QUEUE_COLUMNS),
  };
}

type AcceptanceQueries = ReturnType<typeof acceptanceQueries>;

async function debit(
  q: AcceptanceQueries,
  trx: Transaction<Database>,
  batch: AcceptBatch,
): Promise<AcceptOutcome> {
  const values = { amount: batch.totalMicros, now: batch.now, accountId: batch.accountId };
  const debited = await q.debit.execute(trx, values);
  if (Number(debited.numAffectedRows ?? 0) > 0) return "accepted";
  const exists = await q.accountExists.first(trx, { accountId: batch.accountId });
  return exists ? "insufficient_funds" : "no_account";
}

/** Inserts the messages of every accepted batch with multi-row statements: few queries per group. */
async function insertAccepted(
  q: AcceptanceQueries,
  trx: Transaction<Database>,
  batches: AcceptBatch[],
): Promise<void> {
  const messages: MessagesTable[] = [];
  const queued: QueueTable[] = [];
  for (const b of batches) {
    b.messages.forEach((m, i) => {
      messages.push(messageToRow(m, b.now));
      if (m.statusCode !== Status.NEW) return;
      queued.push({
        message_uuid: m.uuid,
        priority: m.priority,
        due_at: b.dueAt[i]!,
        attempts: 0,
        lease_owner: null,
        lease_until: null,
        last_error: null,
      });
    });
  }
  await q.insertMessages(trx, messages);
  await q.insertQueue(trx, queued);
}

/** The first attempt found an account whose balance does not cover its batches (or no such account). */
class NotCovered extends Error {}

/**
 * The usual group: every account covers the sum of its batches, so every batch is accepted, which is what
 * debiting them one by one would decide too. The rows go in first and each account is debited once, for
 * its sum, last (in id order): the account's row lock, which every acceptance of that account in any
 * process waits for, is then held only for the debit and the commit, not for the inserts, and a group
 * costs one debit per account instead of one per send. Undefined when an account falls short (the
 * transaction is rolled back): the group then runs one by one.
 */
async function acceptCovered(
  kysely: Kysely<Database>,
  q: AcceptanceQueries,
  batches: AcceptBatch[],
): Promise<AcceptOutcome[] | undefined> {
  const byAccount = new Map<number, { total: number; now: number }>();
  for (const b of batches) {
    const sum = byAccount.get(b.accountId);
    byAccount.set(b.accountId, {
      total: (sum?.total ?? 0) + b.totalMicros,
      // balance_changed_at as the last of the separate debits (arrival order) would have left it
      now: b.now,
    });
  }
  try {
    await kysely.transaction().execute(async (trx) => {
      await insertAccepted(q, trx, batches);
      for (const [accountId, { total, now }] of [...byAccount].sort((a, b) => a[0] - b[0])) {
        const debited = await q.debit.execute(trx, { amount: total, now, accountId });
        if (Number(debited.numAffectedRows ?? 0) === 0) throw new NotCovered();
      }
    });
  } catch (error) {
    // A missing account fails the inserts' foreign key before its debit would: one by one says which.
    if (error instanceof NotCovered || isForeignKeyViolation(error)) return undefined;
    throw error;
  }
  return batches.map(() => "accepted");
}

/** PostgreSQL's 23503, SQLite's SQLITE_CONSTRAINT_FOREIGNKEY. */
const isForeignKeyViolation = (error: unknown) => {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "23503" || code === "SQLITE_CONSTRAINT_FOREIGNKEY";
};

/** Each batch debited on its own, in arrival order per account: some are refused, their neighbours commit. */
function acceptOneByOne(
  kysely: Kysely<Database>,
  queries: AcceptanceQueries,
  batches: AcceptBatch[],
): Promise<AcceptOutcome[]> {
  return kysely.transaction().execute(async (trx) => {
    // Accounts are debited in id order (arrival order within one account), so two groups, or a group and
    // the delivery writer's refunds, never lock the same accounts in opposite orders on PostgreSQL.
    const outcomes: AcceptOutcome[] = new Array(batches.length);
    const byAccount = batches
      .map((batch, i) => ({ batch, i }))
      .sort((a, b) => a.batch.accountId - b.batch.accountId);
    for (const { batch, i } of byAccount) outcomes[i] = await debit(queries, trx, batch);
    await insertAccepted(
      queries,
      trx,
      batches.filter((_, i) => outcomes[i] === "accepted"),
    );
    return outcomes;
  });
}

export function sqlMessageStore(db: Db): MessageStore {
  const { kysely } = db;
  const queries = acceptanceQueries(kysely);
  // Accounts are locked in id order (below), but a rare cycle with the delivery writer's rounds can remain:
  // an aborted group runs again rather than fail up to 500 sends. Its outcomes are rebuilt inside each run.
  const committer = new GroupCommit<AcceptBatch, AcceptOutcome>(
    async (batches) =>
      (await rerunOnDeadlock(db.dialect, () => acceptCovered(kysely, queries, batches))) ??
      rerunOnDeadlock(db.dialect, () => acceptOneByOne(kysely, queries, batches)),
    500,
    // SQLite runs one transaction at a time on its one connection, so a second group may commit while the
    // first waits for its fsync. On PostgreSQL they would run side by side and queue on the same accounts' rows.
    db.dialect === "sqlite" ? 2 : 1,
  );

  return {
    accept: (batch) => committer.submit(batch),

    async get(accountId, uuid) {
      const row = await kysely
        .selectFrom("messages")
        .selectAll()
        .where("uuid", "=", uuid)
        .where("account_id", "=", accountId)
        .executeTakeFirst();
      return row && rowToMessage(row);
    },

    async getById(uuid) {
      const row = await kysely.selectFrom("messages").selectAll().where("uuid", "=", uuid).executeTakeFirst();
      return row && rowToMessage(row);
    },

    async list(accountId, q: MessageQuery) {
      let query = kysely.selectFrom("messages").where("account_id", "=", accountId);
      if (q.iso2?.length) query = query.where("iso2", "in", q.iso2);
      if (q.createdFrom !== undefined) query = query.where("created_at", ">=", q.createdFrom);
      if (q.createdTo !== undefined) query = query.where("created_at", "<=", q.createdTo);
      if (q.createdAfter !== undefined) query = query.where("created_at", ">", q.createdAfter);
      if (q.createdBefore !== undefined) query = query.where("created_at", "<", q.createdBefore);
      if (q.statusCode?.length) query = query.where("status_code", "in", q.statusCode);
      if (q.dlrCode?.length) query = query.where("dlr_code", "in", q.dlrCode);
      if (q.phone) query = query.where("phone", "=", q.phone);
      if (q.uuids?.length) query = query.where("uuid", "in", q.uuids);
      const phones = q.phoneContains;
      if (phones?.length)
        query = query.where((eb) => eb.or(phones.map((p) => eb("phone", "like", `%${p}%`))));
      if (q.textContains) {
        // ESCAPE named: SQLite has no default escape character. lower() on both sides because PostgreSQL's
        // LIKE is case-sensitive (SQLite's lower() and LIKE fold ASCII letters only).
        const pattern = `%${q.textContains.toLowerCase().replace(/[\\%_]/g, "\\$&")}%`;
        query = query.where(sql<boolean>`lower(${sql.ref("text")}) like ${pattern} escape '\\'`);
      }
      if (q.bulkId) query = query.where("bulk_id", "=", q.bulkId);
      const { n } = await query.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
      const rows = await query
        .selectAll()
        .orderBy("created_at", q.order)
        .orderBy("uuid", q.order)
        .limit(q.perPage)
        .offset((q.page - 1) * q.perPage)
        .execute();
      return { items: rows.map(rowToMessage), total: Number(n) };
    },

    async cancel(accountId, uuid, now): Promise<CancelOutcome> {
      // A writer batch holding a message's queue row and then its message (a retry and a later outcome of
      // it in one batch) can still meet a cancel the other way round: the aborted cancel runs again.
      return rerunOnDeadlock(db.dialect, () =>
        kysely.transaction().execute(async (trx) => {
          // The delivery writer locks a message before its queue row (delivery/read-messages.ts): so does a
          // cancel, or the two could deadlock over a message whose lease lapsed while its outcome was being
          // recorded. Read under the lock, the status also shows an outcome the writer committed meanwhile.
          const message = await trx
            .selectFrom("messages")
            .select(["status_code", "price_micros"])
            .where("uuid", "=", uuid)
            .where("account_id", "=", accountId)
            .$if(db.dialect === "postgres", (q) => q.forUpdate())
            .executeTakeFirst();
          if (!message) return "not_found";
          if (message.status_code !== Status.NEW) return "already_transmitted";
          // Only an unclaimed queue row may be removed: a claimed one is being submitted right now.
          const removed = await trx
            .deleteFrom("queue")
            .where("message_uuid", "=", uuid)
            .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", now)]))
            .executeTakeFirst();
          if (Number(removed.numDeletedRows) === 0) return "already_transmitted";
          await trx
            .updateTable("messages")
            .set({ status_code: Status.CANCELLED, updated_at: now })
            .where("uuid", "=", uuid)
            .execute();
          await trx
            .updateTable("accounts")
            .set((eb) => ({
              balance_micros: eb("balance_micros", "+", Number(message.price_micros)),
              balance_changed_at: now,
            }))
            .where("id", "=", accountId)
            .execute();
          return "cancelled";
        }),
      );
    },
  };
}
