/**
 * OTP reservations, group-committed. Creates of one account take turns (the concurrent-limit count and the
 * same-number rules must see every earlier reservation), and on PostgreSQL that turn used to be an advisory
 * lock held across a whole transaction of seven round trips per create: under a campaign's load, creates
 * at 50/s queued behind each other's round trips for hundreds of ms (bench/otp-latency.ts). Here the
 * reservations of the same instant share one transaction: the account's turn is taken once, its active
 * OTPs are read once, each reservation is decided in memory in arrival order (exactly as if they had run
 * one after the other), and the inserts and replacements are one statement each.
 */
import { type Kysely, sql, type Transaction } from "kysely";
import type { OtpRecord, OtpReserveRules, ReserveOutcome } from "../ports/otp.js";
import type { Database, Db } from "./db.js";
import { GroupCommit } from "./group-commit.js";

/** Namespace of the PostgreSQL advisory lock that serialises OTP creation per account ("OTP"). */
const LOCK_NAMESPACE = 0x4f5450;

export interface Reservation {
  otp: OtpRecord;
  rules: OtpReserveRules;
}

/** An active OTP of the account, as the same-number rules need it. */
interface ActiveOtp {
  id: string;
  phone: string;
  createdAt: number;
  expiresAt: number;
  /** Its SMS is not stored yet: a create still running. */
  inFlight: boolean;
}

export function reservations(db: Db): (reservation: Reservation) => Promise<ReserveOutcome> {
  // A group must see the reservations the previous one committed. SQLite's one connection runs the groups'
  // transactions in turn, so the next may run while the previous waits for its fsync; on PostgreSQL two
  // groups would run side by side, each blind to the other's rows.
  const group = new GroupCommit<Reservation, ReserveOutcome>(
    (batch) => reserveBatch(db, batch),
    200,
    db.dialect === "sqlite" ? 2 : 1,
  );
  return (reservation) => group.submit(reservation);
}

async function reserveBatch(db: Db, batch: Reservation[]): Promise<ReserveOutcome[]> {
  const byAccount = new Map<number, number[]>();
  for (const [i, r] of batch.entries()) {
    const list = byAccount.get(r.otp.accountId) ?? [];
    list.push(i);
    byAccount.set(r.otp.accountId, list);
  }
  const outcomes: ReserveOutcome[] = new Array(batch.length);
  await db.kysely.transaction().execute(async (trx) => {
    // Accounts in id order, as every transaction that takes several accounts' turns (docs/architecture.md).
    for (const accountId of [...byAccount.keys()].sort((a, b) => a - b)) {
      const items = byAccount.get(accountId)!.map((i) => batch[i]!);
      const decided = await reserveForAccount(trx, db, accountId, items);
      for (const [j, i] of byAccount.get(accountId)!.entries()) outcomes[i] = decided[j]!;
    }
  });
  return outcomes;
}

async function reserveForAccount(
  trx: Transaction<Database>,
  db: Db,
  accountId: number,
  items: Reservation[],
): Promise<ReserveOutcome[]> {
  // The batch's earliest clock reading: an OTP expiring within the batch's own few ms counts as active,
  // which can only refuse (never over-admit) at the exact instant of an expiry.
  const now = Math.min(...items.map((r) => r.rules.now));
  await takeTurn(trx, db, accountId, now);
  const phones = [...new Set(items.map((r) => r.otp.phone))];
  const { n } = await activeOf(trx, accountId, now)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  const rows = await activeOf(trx, accountId, now)
    .where("phone", "in", phones)
    .select((eb) => [
      "id",
      "phone",
      "created_at",
      "expires_at",
      eb
        .not(
          eb.exists(
            eb.selectFrom("messages").select("uuid").whereRef("messages.uuid", "=", "otps.message_uuid"),
          ),
        )
        .as("in_flight"),
    ])
    .execute();
  let active = Number(n);
  const byPhone = new Map<string, ActiveOtp[]>();
  for (const r of rows) {
    const list = byPhone.get(r.phone) ?? [];
    list.push({
      id: r.id,
      phone: r.phone,
      createdAt: Number(r.created_at),
      expiresAt: Number(r.expires_at),
      inFlight: Boolean(r.in_flight),
    });
    byPhone.set(r.phone, list);
  }

  const inserts: OtpRecord[] = [];
  const cancels: { id: string; at: number }[] = [];
  const outcomes = items.map(({ otp, rules }): ReserveOutcome => {
    const sameNumber = (byPhone.get(otp.phone) ?? []).filter((o) => o.expiresAt > rules.now);
    // Only within the window: a reservation that never got its SMS (held by the OTP conversion guard, or
    // left by a crashed create) must not block the number for the OTP's whole lifetime.
    const recent = sameNumber.filter((o) => o.createdAt > rules.sameNumberSince);
    if (recent.some((o) => o.inFlight)) return "in_flight";
    if (recent.length > 0) return "same_number";
    // The OTPs this one replaces free their slots.
    if (active - sameNumber.length >= rules.maxActive) return "concurrent_limit";
    for (const o of sameNumber) cancels.push({ id: o.id, at: rules.now });
    active += 1 - sameNumber.length;
    inserts.push(otp);
    byPhone.set(otp.phone, [
      { id: otp.id, phone: otp.phone, createdAt: otp.createdAt, expiresAt: otp.expiresAt, inFlight: true },
    ]);
    return "reserved";
  });

  for (const at of new Set(cancels.map((c) => c.at))) {
    await trx
      .updateTable("otps")
      .set({ status: "cancelled", finished_at: at })
      .where(
        "id",
        "in",
        cancels.filter((c) => c.at === at).map((c) => c.id),
      )
      .where("status", "=", "in_progress")
      .execute();
  }
  if (inserts.length > 0) {
    await trx
      .insertInto("otps")
      .values(
        inserts.map((otp) => ({
          id: otp.id,
          account_id: otp.accountId,
          phone: otp.phone,
          sender: otp.sender,
          brand: otp.brand,
          code_hash: otp.codeHash,
          status: otp.status,
          attempts: otp.attempts,
          created_at: otp.createdAt,
          expires_at: otp.expiresAt,
          last_check_at: otp.lastCheckAt,
          finished_at: otp.finishedAt,
          message_uuid: otp.messageUuid,
        })),
      )
      .execute();
  }
  return outcomes;
}

const activeOf = (trx: Kysely<Database>, accountId: number, now: number) =>
  trx
    .selectFrom("otps")
    .where("account_id", "=", accountId)
    .where("status", "=", "in_progress")
    .where("expires_at", ">", now);

/**
 * The account's turn. PostgreSQL: a transaction-scoped advisory lock (not a lock on the accounts row,
 * which would make OTPs wait for a campaign's debit). SQLite: the transaction holds the database's write
 * lock from BEGIN IMMEDIATE on.
 */
async function takeTurn(trx: Transaction<Database>, db: Db, accountId: number, now: number): Promise<void> {
  if (db.dialect === "postgres") {
    await sql`select pg_advisory_xact_lock(${LOCK_NAMESPACE}, ${accountId % 2 ** 31})`.execute(trx);
  }
  // Lazily persist expiry of the account's stale OTPs, so counts and statuses agree.
  await trx
    .updateTable("otps")
    .set((eb) => ({ status: "expired", finished_at: eb.ref("expires_at") }))
    .where("account_id", "=", accountId)
    .where("status", "=", "in_progress")
    .where("expires_at", "<=", now)
    .execute();
}
