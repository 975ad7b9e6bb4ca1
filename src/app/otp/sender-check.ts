/**
 * The `from` of an OTP is checked exactly like a campaign's: an own number or an approved sender ID,
 * else the seed's 403 "Number invalid, inactive or unknown" / "Sender ID is not approved". The rule
 * lives in the FullSMS sender module; OTP depends only on this signature (tests may pass another).
 */
import type { AccountProfile } from "../../store/ports/index.js";
import type { AppDeps } from "../deps.js";
import { resolveSender } from "../fullsms/sender.js";

/**
 * Resolves to the sender to put on the SMS (a number as "+digits", a sender ID as it is); throws
 * number_not_owned or sender_not_approved when `account` may not use `from`.
 */
export type SenderCheck = (deps: AppDeps, account: AccountProfile, from: string) => Promise<string>;

export const otpSenderCheck: SenderCheck = resolveSender;
