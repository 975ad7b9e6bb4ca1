/**
 * The checks both FullSMS sends make once validation passed, in the order the seed's errors suggest:
 * template (404), sender (403), short links (403), minimum balance (422 balance_low).
 */
import { randomUUID } from "node:crypto";
import type { PriorityLane } from "../../core/message.js";
import type { AccountProfile, CampaignKind, NewCampaign } from "../../store/ports/index.js";
import type { AppDeps } from "../deps.js";
import { requireBalanceOverMinimum } from "./balance.js";
import type { CampaignPlan } from "./campaign-batch.js";
import { linkPolicy, resolveText } from "./message-text.js";
import { resolveSender } from "./sender.js";

export interface SendInput {
  account: AccountProfile;
  keyId: number | null;
  ip: string | null;
  from: string;
  /** Exactly one of message and templateId (the API layer checked). */
  message?: string | undefined;
  templateId?: string | number | undefined;
  /** Unix seconds; 0 = now. */
  deliverAt: number;
  /** Origin for short links: config.server.publicUrl, else the origin the request came to. */
  linkBase: string;
}

export interface PlannedSend {
  plan: CampaignPlan;
  templateId: number | null;
}

export async function planSend(deps: AppDeps, input: SendInput, priority: PriorityLane): Promise<PlannedSend> {
  const { account } = input;
  const { text, templateId } = await resolveText(deps, account, input);
  const senderId = await resolveSender(deps, account, input.from);
  const shortenLinks = linkPolicy(account, text);
  await requireBalanceOverMinimum(deps, account);
  return {
    templateId,
    plan: {
      account,
      keyId: input.keyId,
      campaignId: randomUUID(),
      text,
      senderId,
      deliverAt: input.deliverAt,
      priority,
      ip: input.ip,
      shortenLinks,
      linkBase: shortenLinks ? (deps.publicUrl ?? input.linkBase) : null,
    },
  };
}

/** The campaign row for a planned send. */
export function campaignRow(
  planned: PlannedSend,
  kind: CampaignKind,
  listIds: number[],
  status: NewCampaign["status"],
  now: number,
): NewCampaign {
  const { plan } = planned;
  return {
    id: plan.campaignId,
    accountId: plan.account.id,
    keyId: plan.keyId,
    kind,
    sender: plan.senderId,
    text: plan.text,
    templateId: planned.templateId,
    listIds,
    deliverAt: plan.deliverAt,
    shortenLinks: plan.shortenLinks,
    linkBase: plan.linkBase,
    priority: plan.priority,
    ip: plan.ip,
    status,
    createdAt: now,
  };
}
