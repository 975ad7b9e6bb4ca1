/**
 * POST /sms body rules, field by field from the LOX24 schema. Messages are the Symfony validator's,
 * as the upstream API returns them; unknown fields are ignored.
 */
import { z } from "zod";
import { SERVICE_CODES, VOICE_LANGS } from "../../core/message.js";
import { SENDER_PATTERN } from "../../core/sender.js";
import { SERVICE_UNAVAILABLE } from "./violations.js";
import type { FieldViolation } from "../../errors.js";

const BLANK = "This value should not be blank.";
const typeMessage = (type: string) => `This value should be of type ${type}.`;

const requiredString = z
  .string({ error: (issue) => (issue.input === undefined || issue.input === null ? BLANK : typeMessage("string")) })
  .refine((s) => s.trim().length > 0, BLANK);

const nullableInt = z.number({ error: typeMessage("int") }).int(typeMessage("int")).nullish();

export const sendSmsSchema = z.object({
  text: requiredString,
  sender_id: requiredString.pipe(z.string().regex(SENDER_PATTERN, "This value is not valid.")),
  phone: requiredString.pipe(z.string().max(32, "This value is not a valid phone number.")),
  delivery_at: z
    .number({ error: typeMessage("int") })
    .int(typeMessage("int"))
    .min(0, "This value should be either positive or zero.")
    .max(4_102_444_800, "This value is not a valid timestamp.")
    .nullish(),
  source: nullableInt,
  is_unicode: z.boolean({ error: typeMessage("bool") }).nullish(),
  voice_lang: z.enum(VOICE_LANGS, { error: "The value you selected is not a valid choice." }).nullish(),
  callback_data: z
    .string({ error: typeMessage("string") })
    .max(36, "This value is too long. It should have 36 characters or less.")
    .nullish(),
  service_code: z.enum(SERVICE_CODES, { error: SERVICE_UNAVAILABLE }).nullish(),
  is_text_deleted: z.boolean({ error: typeMessage("bool") }).nullish(),
  attempts_count_max: z
    .union([z.literal(1), z.literal(2), z.literal(3)], { error: "The value you selected is not a valid choice." })
    .nullish(),
});

export type SendSmsBody = z.infer<typeof sendSmsSchema>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; violations: FieldViolation[] };

export function parseSendSms(body: unknown): Parsed<SendSmsBody> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { ok: false, violations: [{ field: "", message: "The request body must be a JSON object." }] };
  }
  const result = sendSmsSchema.safeParse(body);
  if (result.success) return { ok: true, value: result.data };
  // One violation per field, the first the schema found, in the order of the issues.
  const seen = new Set<string>();
  const violations: FieldViolation[] = [];
  for (const issue of result.error.issues) {
    const field = issue.path.join(".");
    if (seen.has(field)) continue;
    seen.add(field);
    violations.push({ field, message: issue.message });
  }
  return { ok: false, violations };
}
