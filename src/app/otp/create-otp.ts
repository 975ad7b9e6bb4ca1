/**
 * POST /otp/create: checks, reserves the OTP under the account's limits, then sends its SMS through the
 * one message path (priced, debited and queued like any other message, in the transactional lane).
 */
import { randomUUID } from "node:crypto";
import { Priority } from "../../core/message.js";
import { brandProblem, generateCode, hashCode, otpText, SAME_NUMBER_WINDOW_MS } from "../../core/otp.js";
import { AppError, type FieldViolation } from "../../errors.js";
import type { AccountProfile, OtpRecord } from "../../store/ports/index.js";
import type { AppDeps } from "../deps.js";
import { accountBalance } from "../account-balance.js";
import { asFundsShort, fundsShort } from "../fullsms/balance.js";
import { GEO_REFUSED } from "../fraud/guard.js";
import { recipientE164 } from "../fullsms/phone-input.js";
import { numberRuleOf } from "../number-rule.js";
import { acceptMessages, prepareMessage } from "../send-message.js";
import { otpSenderCheck, type SenderCheck } from "./sender-check.js";
import { otpHashKey, otpLimitsOf, otpTtlMs } from "./settings.js";

export interface CreateOtpRequest {
  account: AccountProfile;
  keyId: number | null;
  toNumber: string;
  /** Absent or blank = the seed's 403 "Number invalid, inactive or unknown" (a missing sender). */
  from: string | undefined;
  /** Absent or blank = no brand. */
  brand: string | undefined;
  ip: string | null;
}

/** The FullSMS 422 template for every OTP field; `withCode` adds the OTP section's extra "code": 422. */
export function otpFieldError(field: string): AppError {
  const violations: FieldViolation[] = [{ field, message: `This ${field} is invalid.` }];
  return new AppError("validation", `${field} is invalid`, violations, { withCode: true });
}

/** FullSMS's "One Creation": another create to the same number is still being made (a concurrent request). */
export const ONE_CREATION_MESSAGE = "One Creation";

export const SAME_NUMBER_MESSAGE =
  "Two active requests to the same number are not allowed. You may try again when 30 seconds has passed from the first OTP verification was created";

/** The seed's text, double space included: clients may match on it. */
export const concurrentLimitMessage = (max: number) =>
  `You can create up-to  ${max} concurrent active OTP_IDs`;

export async function createOtp(
  deps: AppDeps,
  req: CreateOtpRequest,
  checkSender: SenderCheck = otpSenderCheck,
): Promise<OtpRecord> {
  // Read like every FullSMS recipient: bare digits are international ("442222222222" is +44…).
  const phone = recipientE164(req.toNumber, req.account.country, numberRuleOf(req.account));
  if (!phone) throw otpFieldError("to_number");
  const brand = (req.brand ?? "").normalize("NFC").trim();
  if (brandProblem(brand)) throw otpFieldError("brand");
  const from = (req.from ?? "").trim();
  if (!from) throw new AppError("number_not_owned", "from is missing");
  const senderId = await checkSender(deps, req.account, from);
  if (deps.fraud && !(await deps.fraud.countryPermitted(req.account, phone))) {
    throw new AppError("validation", GEO_REFUSED, [{ field: "to_number", message: GEO_REFUSED }], {
      withCode: true,
    });
  }

  const id = randomUUID();
  const code = generateCode();
  const message = await prepareMessage(deps, {
    account: req.account,
    keyId: req.keyId,
    text: otpText(code, brand),
    senderId,
    phone,
    ip: req.ip,
    priority: Priority.TRANSACTIONAL,
    // The text carries the code in clear until it is submitted: erase it once the message is final.
    isTextDeleted: true,
  });
  // The brand limits keep every OTP text in one part; this guards the rule if the template ever grows.
  if (message.partsCount !== 1) throw otpFieldError("brand");
  // A create that cannot pay is refused before its reservation, which would replace the number's older
  // OTP. The debit below still decides (a concurrent send may take the money meanwhile).
  const { balanceMicros } = await accountBalance(deps, req.account.id);
  if (balanceMicros < message.priceMicros) throw await fundsShort(deps, req.account.id, message.priceMicros);

  const now = deps.clock.now();
  const otp: OtpRecord = {
    id,
    accountId: req.account.id,
    phone,
    // What the client sent, as search shows it (the seed's sender_value "OTP").
    sender: from,
    brand,
    codeHash: hashCode(await otpHashKey(deps), id, code),
    status: "in_progress",
    attempts: 0,
    createdAt: now,
    expiresAt: now + otpTtlMs(deps),
    lastCheckAt: null,
    finishedAt: null,
    messageUuid: message.uuid,
  };
  const limits = await otpLimitsOf(deps, req.account.id);
  // hold: the conversion guard keeps the OTP but neither sends nor charges its SMS (fraud/guard.ts).
  const create = async (hold: boolean) => {
    const outcome = await deps.store.otp.reserve(otp, {
      now,
      sameNumberSince: now - SAME_NUMBER_WINDOW_MS,
      maxActive: limits.maxActive,
    });
    // How the three same-number answers divide the cases (README "FullSMS OTP per number"): a create still
    // running for the number → One Creation; an OTP created less than 30 s ago → the 30-second rule; an
    // older one still active → replaced by this one (reserve cancels it), so a number has one active OTP.
    if (outcome === "in_flight") throw new AppError("otp_same_number", ONE_CREATION_MESSAGE);
    if (outcome === "same_number") throw new AppError("otp_same_number", SAME_NUMBER_MESSAGE);
    if (outcome === "concurrent_limit") {
      throw new AppError("otp_concurrent_limit", concurrentLimitMessage(limits.maxActive), [], {
        max: limits.maxActive,
      });
    }
    if (hold) return;

    // Reserved first, sent second: a limit refusal must never have debited anything. If the SMS is refused
    // (no funds), the reservation goes too, so the caller sees no OTP and no slot stays taken.
    try {
      await acceptMessages(deps, req.account.id, [message]);
    } catch (error) {
      await deps.store.otp.remove(id);
      throw await asFundsShort(deps, req.account.id, error);
    }
  };
  await (deps.fraud ? deps.fraud.guardOtp(req.account.id, phone, create) : create(false));
  return otp;
}
