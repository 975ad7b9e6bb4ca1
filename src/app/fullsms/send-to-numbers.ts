/**
 * FullSMS POST /messages/send/to_numbers: up to 500 numbers in one request and one debit. Invalid
 * numbers (and numbers that opted out of the account) are reported and left out; the rest is sent.
 */
import { validationError } from "../../errors.js";
import type { AppDeps } from "../deps.js";
import { asFundsShort } from "./balance.js";
import { sendBatch } from "./campaign-batch.js";
import { bulkPriority } from "./campaign-expansion.js";
import { campaignRow, planSend, type SendInput } from "./campaign-setup.js";
import { numberRuleOf } from "../number-rule.js";
import { recipientE164 } from "./phone-input.js";

export const MAX_NUMBERS = 500;
export const INVALID_NUMBER = "Given number is invalid or could not receive messages";

export interface ToNumbersResult {
  campaignId: string;
  totalSent: number;
  /** Entries as the client wrote them. */
  invalid: string[];
}

export async function sendToNumbers(deps: AppDeps, input: SendInput & { toNumbers: string[] }): Promise<ToNumbersResult> {
  const { account } = input;
  const rule = numberRuleOf(account);
  const normalised = input.toNumbers.map((raw) => recipientE164(raw, account.country, rule));
  const optedOut = await deps.store.fullsms.contacts.optedOut(
    account.id,
    [...new Set(normalised.filter((n): n is string => n !== undefined))],
  );
  const invalid: { index: number; raw: string }[] = [];
  const phones = new Set<string>();
  for (const [index, e164] of normalised.entries()) {
    // A destination country the account may not send to is reported like an invalid number (fraud/guard.ts).
    const refused = e164 === undefined || optedOut.has(e164) || (deps.fraud && !(await deps.fraud.countryPermitted(account, e164)));
    if (refused) invalid.push({ index, raw: input.toNumbers[index]! });
    else phones.add(e164);
  }
  if (phones.size === 0) {
    throw validationError(invalid.map((i) => ({ field: `to_numbers.${i.index}`, message: INVALID_NUMBER })));
  }

  // "If array contains only a single entry, the message will be sent as a single message."
  const planned = await planSend(deps, input, bulkPriority(input.toNumbers.length));
  const outcome = await sendBatch(deps, planned.plan, [...phones], { partial: false }).catch(async (error) => {
    throw await asFundsShort(deps, account.id, error);
  });
  await deps.store.fullsms.campaigns.create(campaignRow(planned, "numbers", [], "done", deps.clock.now()), {
    cursor: null,
    enqueued: outcome.accepted,
    skipped: outcome.skipped,
    debitedMicros: outcome.debitedMicros,
  });
  return {
    campaignId: planned.plan.campaignId,
    totalSent: outcome.accepted,
    invalid: invalid.map((i) => i.raw),
  };
}
