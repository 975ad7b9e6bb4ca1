/**
 * Runs list campaigns in the background, one loop per campaign, and resumes them after a restart.
 * A campaign is owned through a lease on its row, so two gateways on one PostgreSQL never expand the
 * same campaign twice. The composition root owns the runner (gateway.ts) and passes it in AppDeps.campaigns;
 * tests start several gateways in one process, each with its own.
 */
import { randomUUID } from "node:crypto";
import { isAppError } from "../../errors.js";
import type { AppDeps } from "../deps.js";
import { CampaignExpansion, LEASE_MS } from "./campaign-expansion.js";

/** Waits before retrying a batch that failed for a reason other than the campaign itself (e.g. a lost connection). */
const RETRY_DELAYS_MS = [200, 1000, 5000];

export class CampaignRunner {
  readonly owner = randomUUID();
  private readonly loops = new Map<string, Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopping = false;

  constructor(private readonly deps: AppDeps) {}

  /** Continues an expansion already claimed by this runner (e.g. after the request's first batch). */
  continue(expansion: CampaignExpansion): void {
    if (this.stopping || this.loops.has(expansion.id)) return;
    const loop = this.run(expansion).finally(() => this.loops.delete(expansion.id));
    this.loops.set(expansion.id, loop);
  }

  /** Claims and resumes a campaign; when another runner holds it, tries again once its lease lapses. */
  async resume(id: string, leaseUntil: number | null): Promise<boolean> {
    if (this.stopping || this.loops.has(id)) return false;
    const { store, clock } = this.deps;
    const now = clock.now();
    const claimed = await store.fullsms.campaigns.claim(id, this.owner, now, now + LEASE_MS);
    const campaign = await store.fullsms.campaigns.getById(id);
    if (campaign?.status !== "expanding") return false;
    if (!claimed) {
      // Another gateway holds it: look again when that lease lapses (it renews it while it works).
      this.later(id, leaseUntil !== null && leaseUntil > now ? leaseUntil - now + 1000 : LEASE_MS);
      return false;
    }
    const account = await store.accounts.get(campaign.accountId);
    if (!account) return false;
    const expansion = await CampaignExpansion.resume(this.deps, campaign, account, this.owner);
    // A to_numbers send is one batch decided in its request: left half-way, it is over either way.
    if (campaign.kind !== "lists") {
      await expansion.finish(expansion.progress.enqueued > 0 ? "done" : "failed", "interrupted");
      return false;
    }
    if (account.status !== "active") {
      await expansion.finish("failed", "account not active");
      return false;
    }
    this.continue(expansion);
    return true;
  }

  private later(id: string, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.resume(id, null).catch(() => undefined);
    }, Math.max(0, delayMs));
    timer.unref();
    this.timers.add(timer);
  }

  private async run(expansion: CampaignExpansion): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        const result = await expansion.step();
        if (result !== "more") return;
        failures = 0;
      } catch (error) {
        const delay = RETRY_DELAYS_MS[failures++];
        if (isAppError(error) || delay === undefined) {
          const reason = `error: ${error instanceof Error ? error.message : String(error)}`;
          await expansion.finish("failed", reason.slice(0, 500)).catch(() => undefined);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
    await expansion.release().catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.loops.values()]);
  }

  /** Resolves when no campaign of this runner is expanding any more (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.loops.size > 0) await Promise.allSettled([...this.loops.values()]);
  }
}

/**
 * The runner of these deps. The gateway sets one; deps built without a gateway (the CLI, a benchmark) get
 * their own on first use, kept on the deps object rather than in this module.
 */
export function runnerFor(deps: AppDeps): CampaignRunner {
  deps.campaigns ??= new CampaignRunner(deps);
  return deps.campaigns;
}

/**
 * Start-up: picks up every campaign that was still expanding when the gateway stopped. Returns how
 * many were resumed at once (others, still leased by another gateway, are retried when it lapses).
 */
export async function resumeCampaigns(deps: AppDeps, runner: CampaignRunner = runnerFor(deps)): Promise<number> {
  let resumed = 0;
  for (const { id, leaseUntil } of await deps.store.fullsms.campaigns.expanding()) {
    if (await runner.resume(id, leaseUntil)) resumed++;
  }
  return resumed;
}

/** Shutdown: lets each running campaign finish its current batch and hand its lease back. */
export async function stopCampaigns(deps: AppDeps): Promise<void> {
  const runner = deps.campaigns;
  if (!runner) return;
  await runner.stop();
  // A later resume (tests restart campaigns on the same deps) starts a fresh runner.
  delete deps.campaigns;
}

/** Waits until background expansion is finished (tests and the benchmark). */
export async function campaignsIdle(deps: AppDeps): Promise<void> {
  await deps.campaigns?.idle();
}
