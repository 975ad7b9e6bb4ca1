/**
 * Request bodies of the two FullSMS sends, validated with the schemas the OpenAPI document is built from
 * (body-schemas.ts), plus the rules a field schema cannot state. Only what needs no database is checked
 * here; list ids and numbers are judged by the use cases.
 */
import type { z } from "zod";
import { parseSendAt } from "../../app/fullsms/send-at.js";
import { lengthViolation } from "../../app/fullsms/message-text.js";
import { type FieldViolation, validationError } from "../../errors.js";
import { toListsSchema, toNumbersSchema } from "./body-schemas.js";

export { MAX_LISTS } from "./body-schemas.js";

type Body = Record<string, unknown>;

export interface CommonFields {
  from: string;
  message?: string;
  templateId?: string | number;
  /** Unix seconds; 0 = now. */
  deliverAt: number;
}

const blank = (v: unknown) => v === undefined || v === null || (typeof v === "string" && v.trim() === "");
const display = (field: string) => field.replace(/_/g, " ");

function objectBody(body: unknown): Body {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw validationError([{ field: "body", message: "The request body must be a JSON object." }]);
  }
  return body as Body;
}

/** The schema's issues as Laravel field violations ("to_list_ids.3"). */
function schemaViolations(schema: z.ZodType, body: Body): FieldViolation[] {
  const result = schema.safeParse(body);
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    const field = issue.path.map(String).join(".");
    return { field, message: issue.message.replace("{field}", display(field)) };
  });
}

/** message XOR template_id: Laravel's required_without / prohibits, which a field schema cannot state. */
function contentViolations(body: Body): FieldViolation[] {
  const hasMessage = !blank(body.message);
  const hasTemplate = !blank(body.template_id);
  if (!hasMessage && !hasTemplate) {
    return [
      { field: "message", message: "The message field is required when template id is not present." },
      { field: "template_id", message: "The template id field is required when message is not present." },
    ];
  }
  if (hasMessage && hasTemplate) {
    return [{ field: "message", message: "The message field prohibits template id from being present." }];
  }
  return [];
}

/**
 * All violations in Laravel's order: recipients (the array, then its entries), from, message,
 * template_id, send_at; within a field the presence rule comes before the type and the length.
 */
function validate(schema: z.ZodType, recipients: string, body: Body, timeZone: string, nowMs: number) {
  const { message, send_at: sendAt } = body;
  const tooLong = typeof message === "string" && !blank(message) ? lengthViolation(message, "message") : null;
  const when = parseSendAt(sendAt, timeZone, nowMs);
  const all = [
    ...contentViolations(body),
    ...schemaViolations(schema, body),
    ...(tooLong ? [tooLong] : []),
    ...("violation" in when ? [when.violation] : []),
  ];
  const order = [recipients, `${recipients}.`, "from", "message", "template_id", "send_at"];
  const rank = (field: string) => {
    const exact = order.indexOf(field);
    return exact >= 0 ? exact : field.startsWith(`${recipients}.`) ? 1 : order.length;
  };
  const violations = all
    .map((v, i) => ({ v, i }))
    .sort((a, b) => rank(a.v.field) - rank(b.v.field) || a.i - b.i)
    .map(({ v }) => v);
  if (violations.length > 0) throw validationError(violations);

  const { from, template_id: templateId } = body as { from: string; template_id?: string | number };
  const common: CommonFields = {
    from,
    ...(!blank(message) ? { message: message as string } : {}),
    ...(!blank(templateId) ? { templateId } : {}),
    deliverAt: "at" in when ? when.at : 0,
  };
  return common;
}

export function parseToNumbers(
  body: unknown,
  timeZone: string,
  nowMs: number,
): CommonFields & { toNumbers: string[] } {
  const b = objectBody(body);
  const common = validate(toNumbersSchema, "to_numbers", b, timeZone, nowMs);
  // A number sent as a JSON number is read as its digits; anything else is reported as an invalid number.
  const toNumbers = (b.to_numbers as unknown[]).map((e) =>
    typeof e === "string" ? e : typeof e === "number" ? String(e) : (JSON.stringify(e) ?? ""),
  );
  return { ...common, toNumbers };
}

export function parseToLists(
  body: unknown,
  timeZone: string,
  nowMs: number,
): CommonFields & { listIds: number[] } {
  const b = objectBody(body);
  const common = validate(toListsSchema, "to_list_ids", b, timeZone, nowMs);
  return { ...common, listIds: (b.to_list_ids as Array<number | string>).map(Number) };
}
