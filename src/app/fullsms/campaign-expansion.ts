/**
 * Expanding a list campaign, one batch at a time: the next distinct recipients after the cursor
 * (keyset pagination), sent through the one path, then the progress written to the campaign row.
 * Nothing grows with the list: a step holds one batch of phones and messages.
 */
import { Priority } from "../../core/message.js";
import type { AccountProfile, Campaign, CampaignProgress } from "../../store/ports/index.js";
import type { AppDeps } from "../deps.js";
import { type CampaignPlan, sendBatch } from "./campaign-batch.js";

/** Recipients per batch: one debit, one multi-row insert, one progress write. */
export const BATCH_SIZE = 500;
/** How long a runner owns a campaign without writing progress before another may take it over. */
export const LEASE_MS = 60_000;

export type StepResult = "more" | "done" | "failed" | "lost";

export function planOf(campaign: Campaign, account: AccountProfile): CampaignPlan {
  return {
    account,
    keyId: campaign.keyId,
    campaignId: campaign.id,
    text: campaign.text,
    senderId: campaign.sender,
    deliverAt: campaign.deliverAt,
    priority: campaign.priority,
    ip: campaign.ip,
    shortenLinks: campaign.shortenLinks,
    linkBase: campaign.linkBase,
  };
}

export class CampaignExpansion {
  readonly progress: CampaignProgress;
  /** When the balance ran out: the price of the first message it could not pay. */
  unpaidMicros = 0;

  constructor(
    private readonly deps: AppDeps,
    private readonly campaign: Campaign,
    private readonly plan: CampaignPlan,
    private readonly owner: string,
    progress?: CampaignProgress,
  ) {
    this.progress = progress ?? {
      cursor: campaign.cursor,
      enqueued: campaign.enqueued,
      skipped: campaign.skipped,
      debitedMicros: campaign.debitedMicros,
    };
  }

  /**
   * Where a campaign really stands after a restart. Each batch commits whole, so the greatest phone
   * among its messages is a safe cursor even if the process died before the progress write.
   */
  static async resume(deps: AppDeps, campaign: Campaign, account: AccountProfile, owner: string): Promise<CampaignExpansion> {
    const committed = await deps.store.fullsms.campaigns.committed(campaign.id);
    const cursors = [campaign.cursor, committed.lastPhone].filter((c): c is string => c !== null).sort();
    return new CampaignExpansion(deps, campaign, planOf(campaign, account), owner, {
      cursor: cursors.at(-1) ?? null,
      enqueued: committed.enqueued,
      skipped: campaign.skipped,
      debitedMicros: committed.debitedMicros,
    });
  }

  get id(): string {
    return this.campaign.id;
  }

  async step(): Promise<StepResult> {
    const { deps, campaign, progress } = this;
    const phones = await deps.store.fullsms.contacts.nextRecipients(
      campaign.accountId,
      campaign.listIds,
      progress.cursor,
      BATCH_SIZE,
    );
    if (phones.length === 0) return this.finish("done", null);

    const outcome = await sendBatch(deps, this.plan, phones, { partial: true });
    progress.enqueued += outcome.accepted;
    progress.skipped += outcome.skipped;
    progress.debitedMicros += outcome.debitedMicros;
    progress.cursor = outcome.cursor ?? progress.cursor;
    if (outcome.outOfFunds) {
      this.unpaidMicros = outcome.unpaidMicros;
      return this.finish("failed", `balance_low: the balance ran out after ${progress.enqueued} messages`);
    }
    // A short page is the last one: no need for another query to learn that.
    if (phones.length < BATCH_SIZE) return this.finish("done", null);
    const now = deps.clock.now();
    const kept = await deps.store.fullsms.campaigns.progress(campaign.id, this.owner, progress, now, now + LEASE_MS);
    return kept ? "more" : "lost";
  }

  async finish(status: "done" | "failed", reason: string | null): Promise<"done" | "failed"> {
    await this.deps.store.fullsms.campaigns.finish(this.campaign.id, status, reason, this.progress, this.deps.clock.now());
    return status;
  }

  /** Lets another runner take over at once (graceful stop), keeping the progress so far. */
  async release(): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.store.fullsms.campaigns.progress(this.campaign.id, this.owner, this.progress, now, now);
  }
}

export const bulkPriority = (recipients: number) => (recipients === 1 ? Priority.TRANSACTIONAL : Priority.BULK);
