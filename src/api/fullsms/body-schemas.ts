/**
 * FullSMS request bodies as zod schemas: the routes validate with them (send-validation.ts) and the
 * OpenAPI document is generated from them (api/openapi/fullsms.ts), so there is one description of each
 * body. Messages are Laravel's (FullSMS is a Laravel app: "The message must be a string."). Rules a field
 * schema cannot state -- message XOR template_id, send_at on the account's clock, the text's length in
 * its encoding -- are a small post-check in send-validation.ts.
 */
import { z } from "zod";
import { MAX_NUMBERS } from "../../app/fullsms/send-to-numbers.js";

/** More list ids than anyone sends at once; bounds the expansion query. */
export const MAX_LISTS = 100;
const MAX_FROM = 32;

const display = (field: string) => field.replace(/_/g, " ");
const requiredMessage = (field: string) => `The ${display(field)} field is required.`;
const mustMessage = (field: string, rule: string) => `The ${display(field)} must ${rule}.`;
/** Absent or null is "required", anything else of the wrong type is "must be <type>". */
const typeError = (field: string, rule: string) => (issue: { input?: unknown }) =>
  issue.input === undefined || issue.input === null ? requiredMessage(field) : mustMessage(field, rule);

const notBlank = (s: string) => s.trim() !== "";

const from = z
  .string({ error: typeError("from", "be a string") })
  .refine(notBlank, { message: requiredMessage("from"), abort: true })
  .max(MAX_FROM, { message: mustMessage("from", `not be greater than ${MAX_FROM} characters`) })
  .describe("A number of the account (digits) or an approved sender ID");

const content = {
  message: z
    .string({ error: mustMessage("message", "be a string") })
    .nullish()
    .describe("The text; required unless template_id is given"),
  template_id: z
    .union([z.string(), z.number()], { error: mustMessage("template_id", "be a string") })
    .nullish()
    .describe("A template of the account instead of message"),
  from,
  // Checked on the account's clock by the post-check (parseSendAt); the shape is for the document.
  send_at: z
    .unknown()
    .optional()
    .meta({ type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$" })
    .describe("Y-m-d H:i:s in the account's time zone; absent = now"),
};

/** A required, non-empty array of at most `max` entries. */
const recipients = <T extends z.ZodType>(field: string, entry: T, max: number) =>
  z
    .array(entry, { error: typeError(field, "be an array") })
    .min(1, { message: requiredMessage(field) })
    // A refinement rather than .max(): it runs even when entries are bad (Laravel reports both); the
    // document gets maxItems from the metadata.
    .refine((entries) => entries.length <= max, {
      message: mustMessage(field, `not have more than ${max} items`),
      when: (payload) => Array.isArray(payload.value),
    })
    .meta({ maxItems: max });

export const toNumbersSchema = z.object({
  // Any other entry is not refused here: the use case reports it among the invalid numbers.
  to_numbers: recipients("to_numbers", z.union([z.string(), z.number().int()]).catch(""), MAX_NUMBERS),
  ...content,
});

/** {field} is the entry's path (to_list_ids.3), filled in by send-validation.ts. */
const notAnId = "The {field} must be an integer.";

export const toListsSchema = z.object({
  to_list_ids: recipients(
    "to_list_ids",
    // 0 or a negative id is an integer that names no list: the use case reports it as not found.
    z.union([z.number().int({ error: notAnId }), z.string().regex(/^\d{1,15}$/, { error: notAnId })], {
      error: notAnId,
    }),
    MAX_LISTS,
  ),
  ...content,
});

/**
 * OTP bodies. The OTP section answers any bad field with "This <field> is invalid." (otp-routes.ts turns
 * the first issue into that), so these schemas carry no messages. Numbers are accepted where the seed says
 * string: JSON clients often send phone numbers and ids as integers.
 */
const otpText = z.union([z.string().refine(notBlank), z.number().int()]);

const otpId = otpText.describe("The otp_id /otp/create answered (a UUID)");

export const otpCreateSchema = z.object({
  to_number: otpText.describe("Recipient, international digits"),
  // Anything but text is taken as absent, and the use case answers that no number of the account was named.
  from: z
    .union([z.string(), z.number().int()])
    .optional()
    .catch(undefined)
    .describe("A number of the account (digits) or an approved sender ID"),
  brand: z.string().nullish().describe("Shown in the message text"),
});

export const otpVerifySchema = z.object({
  otp_id: otpId,
  // What core/otp.ts parseTriedCode reads as a code: up to six digits.
  code: z.union([z.string().regex(/^\s*\d{1,6}\s*$/), z.number().int().min(0).max(999_999)]),
});

/** /otp/cancel's body and /otp/search's query. */
export const otpCancelSchema = z.object({ otp_id: otpId });
