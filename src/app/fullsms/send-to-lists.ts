/**
 * FullSMS POST /messages/send/to_lists: a campaign to every subscribed contact of the lists, each
 * number once. The request creates the campaign and sends its first batch (so an account that cannot
 * pay for anything hears so at once); the rest is expanded in the background, resumably.
 */
import { Priority } from "../../core/message.js";
import { validationError } from "../../errors.js";
import type { AppDeps } from "../deps.js";
import { fundsShort } from "./balance.js";
import { CampaignExpansion, LEASE_MS } from "./campaign-expansion.js";
import { runnerFor } from "./campaign-runner.js";
import { campaignRow, planSend, type SendInput } from "./campaign-setup.js";

export const LIST_NOT_FOUND = "List with this id could not be found";

export async function sendToLists(deps: AppDeps, input: SendInput & { listIds: number[] }): Promise<{ campaignId: string }> {
  const { account } = input;
  const mine = await deps.store.fullsms.lists.existing(account.id, input.listIds);
  const missing = input.listIds
    .map((id, index) => ({ id, index }))
    .filter(({ id }) => !mine.has(id))
    .map(({ index }) => ({ field: `to_list_ids.${index}`, message: LIST_NOT_FOUND }));
  if (missing.length > 0) throw validationError(missing);

  const planned = await planSend(deps, input, Priority.BULK);
  const campaigns = deps.store.fullsms.campaigns;
  const runner = runnerFor(deps);
  const now = deps.clock.now();
  const row = campaignRow(planned, "lists", [...new Set(input.listIds)], "expanding", now);
  await campaigns.create(row);
  await campaigns.claim(row.id, runner.owner, now, now + LEASE_MS);

  const expansion = new CampaignExpansion(deps, { ...row, ...emptyProgress(now) }, planned.plan, runner.owner);
  const first = await expansion.step().catch(async (error) => {
    // Nothing of it will run in the background: record why, then answer with the error.
    await expansion.finish("failed", `error: ${error instanceof Error ? error.message : String(error)}`);
    throw error;
  });
  if (first === "failed" && expansion.progress.enqueued === 0) {
    throw await fundsShort(deps, account.id, expansion.unpaidMicros);
  }
  if (first === "more") runner.continue(expansion);
  return { campaignId: row.id };
}

const emptyProgress = (now: number) => ({
  cursor: null,
  enqueued: 0,
  skipped: 0,
  debitedMicros: 0,
  failureReason: null,
  updatedAt: now,
  finishedAt: null,
});
