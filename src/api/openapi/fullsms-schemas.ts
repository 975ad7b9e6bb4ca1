/**
 * FullSMS request bodies as zod schemas, for the OpenAPI document. The FullSMS routes check their bodies
 * field by field (send-validation.ts, otp-routes.ts) to give Laravel's exact messages; these schemas share
 * their limits, and test/admin/openapi.test.ts sends every documented example to the real routes, so the
 * description and the validation cannot drift apart unnoticed.
 */
import { z } from "zod";
import { MAX_NUMBERS } from "../../app/fullsms/send-to-numbers.js";
import { MAX_LISTS } from "../fullsms/send-validation.js";

const from = z.string().max(32).describe("A number of the account (digits) or an approved sender ID");
const sendAt = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)
  .describe("Y-m-d H:i:s in the account's time zone; absent = now");
const content = {
  message: z.string().optional().describe("The text; required unless template_id is given"),
  template_id: z
    .union([z.string(), z.number().int()])
    .optional()
    .describe("A template of the account instead of message"),
  from,
  send_at: sendAt.optional(),
};

export const toNumbersSchema = z.object({
  to_numbers: z
    .array(z.union([z.string(), z.number().int()]))
    .min(1)
    .max(MAX_NUMBERS),
  ...content,
});

export const toListsSchema = z.object({
  to_list_ids: z
    .array(z.union([z.number().int(), z.string().regex(/^\d+$/)]))
    .min(1)
    .max(MAX_LISTS),
  ...content,
});

export const otpCreateSchema = z.object({
  to_number: z.union([z.string(), z.number().int()]).describe("Recipient, international digits"),
  from: from.optional(),
  brand: z.string().optional().describe("Shown in the message text"),
});

export const otpVerifySchema = z.object({
  otp_id: z.string().uuid(),
  code: z.union([z.string().regex(/^\d+$/), z.number().int()]),
});

export const otpCancelSchema = z.object({ otp_id: z.string().uuid() });
