/**
 * An inbound SMS (deliver_sm that is not a receipt): find whose number it was sent to, store it, raise
 * the `sms.incoming` webhook, and let the dialects react (list subscriptions and opt-outs).
 */
import { randomUUID } from "node:crypto";
import type { AppDeps } from "./deps.js";

export interface InboundSms {
  connectorId: string;
  from: string;
  to: string;
  text: string;
  receivedAt: number;
}

export interface InboundHooks {
  /** The account that owns the destination number, if any. */
  accountFor(to: string): Promise<number | null>;
  /** Further reactions once the message is stored (e.g. subscribe words, STOP). */
  after?: Array<(deps: AppDeps, accountId: number, sms: InboundSms) => Promise<void>>;
}

export async function handleInbound(deps: AppDeps, hooks: InboundHooks, sms: InboundSms): Promise<string> {
  const uuid = randomUUID();
  const accountId = await hooks.accountFor(sms.to);
  await deps.store.inbound.insert({ uuid, accountId, ...sms });
  if (accountId !== null) {
    await deps.store.webhooks.enqueue(
      accountId,
      "sms.incoming",
      { id: uuid, from: sms.from, to: sms.to, text: sms.text, received_at: Math.floor(sms.receivedAt / 1000), msg_uuid: uuid },
      deps.clock.now(),
    );
    for (const react of hooks.after ?? []) await react(deps, accountId, sms);
  }
  return uuid;
}
