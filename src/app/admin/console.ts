/** What the operator console does, as use cases over the store ports (the console has no SQL of its own). */
import { Priority, type ServiceCode, Status } from "../../core/message.js";
import { toMicros } from "../../core/money.js";
import { AppError } from "../../errors.js";
import type { AccountStatus, MessageSearch } from "../../store/ports/index.js";
import type { AppDeps } from "../deps.js";
import { setServices } from "../manage-accounts.js";
import { sendMessage } from "../send-message.js";
import { messageTimeline } from "./timeline.js";

export async function dashboard(deps: AppDeps, minutes = 60) {
  const now = deps.clock.now();
  // `minutes` whole minutes, the current one last.
  const since = now - (now % 60_000) - (minutes - 1) * 60_000;
  const [throughput, queue, outbox] = await Promise.all([
    deps.store.operator.throughput(since, 60_000),
    deps.store.operator.queueStats(now),
    deps.store.webhooks.counts(),
  ]);
  const totals = throughput.reduce(
    (t, b) => ({
      accepted: t.accepted + b.accepted,
      delivered: t.delivered + b.delivered,
      failed: t.failed + b.failed,
    }),
    {
      accepted: 0,
      delivered: 0,
      failed: 0,
    },
  );
  const finished = totals.delivered + totals.failed;
  return {
    now,
    since,
    throughput,
    totals,
    deliveredShare: finished === 0 ? null : totals.delivered / finished,
    queue,
    outbox,
  };
}

export async function searchMessages(deps: AppDeps, input: Record<string, string | undefined>) {
  const q: MessageSearch = { limit: 100 };
  const int = (name: string) => {
    const raw = input[name]?.trim();
    if (!raw) return undefined;
    if (!/^\d+$/.test(raw)) throw new AppError("validation", `${name} must be a number`);
    return Number(raw);
  };
  const date = (name: string, endOfDay: boolean) => {
    const raw = input[name]?.trim();
    if (!raw) return undefined;
    const at = Date.parse(
      /^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T${endOfDay ? "23:59:59.999" : "00:00:00"}Z` : raw,
    );
    if (Number.isNaN(at)) throw new AppError("validation", `${name} must be a date`);
    return at;
  };
  const uuid = input.uuid?.trim();
  if (uuid) q.uuid = uuid.toLowerCase();
  const phone = input.phone?.replace(/[^\d]/g, "");
  if (phone) q.phone = phone;
  const accountId = int("account");
  if (accountId !== undefined) q.accountId = accountId;
  const status = input.status?.trim();
  if (status === "delivered") q.dlrCode = 1;
  else if (status === "expired") q.dlrCode = 8;
  else if (status === "rejected") q.dlrCode = 16;
  else if (status === "enroute") q.dlrCode = 4;
  else if (status === "queued") q.statusCode = Status.NEW;
  else if (status === "cancelled") q.statusCode = Status.CANCELLED;
  const from = date("from", false);
  if (from !== undefined) q.createdFrom = from;
  const to = date("to", true);
  if (to !== undefined) q.createdTo = to;
  return deps.store.operator.searchMessages(q);
}

export async function messageDetail(deps: AppDeps, uuid: string) {
  const [trace, attempts] = await Promise.all([deps.store.operator.trace(uuid), deps.store.operator.attempts(uuid)]);
  if (!trace) throw new AppError("not_found", `no message ${uuid}`);
  return { trace, timeline: messageTimeline(trace, attempts) };
}

export async function accountDetail(deps: AppDeps, id: number) {
  const account = await deps.store.accounts.get(id);
  if (!account) throw new AppError("not_found", `no account ${id}`);
  const [keys, webhooks] = await Promise.all([deps.store.keys.list(id), deps.store.webhooks.list(id)]);
  return { account, keys, webhooks };
}

export async function topUp(deps: AppDeps, id: number, amount: string): Promise<number> {
  let micros: number;
  try {
    micros = toMicros(amount);
  } catch {
    throw new AppError("validation", `not an amount: ${amount}`);
  }
  if (micros === 0) throw new AppError("validation", "the amount must not be zero");
  const balance = await deps.store.accounts.adjustBalance(id, micros, deps.clock.now());
  if (balance === undefined) throw new AppError("not_found", `no account ${id}`);
  return balance;
}

export async function setAccountStatus(deps: AppDeps, id: number, status: AccountStatus): Promise<void> {
  if (!(await deps.store.accounts.update(id, { status })))
    throw new AppError("not_found", `no account ${id}`);
}

export async function changeServices(deps: AppDeps, id: number, services: string[]): Promise<void> {
  // setServices refuses an unknown code rather than saving the list without it.
  await setServices(deps, id, services as ServiceCode[]);
}

/** Revokes a key of this account (another account's key is not found: the form cannot reach across). */
export async function revokeKey(deps: AppDeps, accountId: number, keyId: number): Promise<void> {
  const key = (await deps.store.keys.list(accountId)).find((k) => k.id === keyId);
  if (!key) throw new AppError("not_found", `no key ${keyId} on account ${accountId}`);
  await deps.store.keys.revoke(keyId, deps.clock.now());
}

/** Sends as the account itself (no key), through the same use case the APIs call. */
export async function sendTestMessage(
  deps: AppDeps,
  input: { accountId: number; phone: string; text: string; sender: string },
) {
  const account = await deps.store.accounts.get(input.accountId);
  if (!account) throw new AppError("not_found", `no account ${input.accountId}`);
  return sendMessage(deps, {
    account,
    keyId: null,
    text: input.text,
    senderId: input.sender,
    phone: input.phone,
    ip: null,
    priority: Priority.TRANSACTIONAL,
  });
}

/**
 * Ends a campaign: its row becomes failed ("cancelled by the operator"), which takes the expansion lease
 * away from whichever runner holds it (its next progress is refused), and its messages not yet
 * transmitted are cancelled and refunded like an API cancel.
 */
export async function cancelCampaign(deps: AppDeps, id: string): Promise<{ cancelled: number }> {
  const campaigns = deps.store.fullsms.campaigns;
  const campaign = await campaigns.getById(id);
  if (!campaign) throw new AppError("not_found", `no campaign ${id}`);
  const now = deps.clock.now();
  if (campaign.status === "expanding") {
    const committed = await campaigns.committed(id);
    await campaigns.finish(
      id,
      "failed",
      "cancelled by the operator",
      {
        cursor: committed.lastPhone,
        enqueued: committed.enqueued,
        skipped: campaign.skipped,
        debitedMicros: committed.debitedMicros,
      },
      now,
    );
  }
  let cancelled = 0;
  // Always the first page: cancelled messages leave the filter. Stop when a round cancels nothing (the rest
  // are being submitted right now and will be sent).
  for (;;) {
    const query = { page: 1, perPage: 500, order: "asc" as const, bulkId: id, statusCode: [Status.NEW] };
    const { items } = await deps.store.messages.list(campaign.accountId, query);
    let round = 0;
    for (const m of items)
      if ((await deps.store.messages.cancel(campaign.accountId, m.uuid, now)) === "cancelled") round++;
    cancelled += round;
    if (items.length < 500 || round === 0) break;
  }
  return { cancelled };
}
