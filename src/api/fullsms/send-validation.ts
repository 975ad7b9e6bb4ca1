/**
 * Request bodies of the two FullSMS sends, checked field by field with Laravel's messages (FullSMS is a
 * Laravel app: "The message must be a string."). Only what needs no database is checked here; list
 * ids and numbers are judged by the use cases.
 */
import { parseSendAt } from "../../app/fullsms/send-at.js";
import { lengthViolation } from "../../app/fullsms/message-text.js";
import { MAX_NUMBERS } from "../../app/fullsms/send-to-numbers.js";
import { type FieldViolation, validationError } from "../../errors.js";

/** More list ids than anyone sends at once; bounds the expansion query. */
export const MAX_LISTS = 100;
const MAX_FROM = 32;

const display = (field: string) => field.replace(/_/g, " ");
const required = (field: string): FieldViolation => ({ field, message: `The ${display(field)} field is required.` });
const must = (field: string, rule: string): FieldViolation => ({ field, message: `The ${display(field)} must ${rule}.` });

type Body = Record<string, unknown>;

export interface CommonFields {
  from: string;
  message?: string;
  templateId?: string | number;
  /** Unix seconds; 0 = now. */
  deliverAt: number;
}

const blank = (v: unknown) => v === undefined || v === null || (typeof v === "string" && v.trim() === "");

function commonFields(body: Body, timeZone: string, nowMs: number, violations: FieldViolation[]): CommonFields {
  const { from, message, template_id: templateId, send_at: sendAt } = body;
  if (blank(from)) violations.push(required("from"));
  else if (typeof from !== "string") violations.push(must("from", "be a string"));
  else if (from.length > MAX_FROM) violations.push(must("from", `not be greater than ${MAX_FROM} characters`));

  const hasMessage = !blank(message);
  const hasTemplate = !blank(templateId);
  if (!hasMessage && !hasTemplate) {
    violations.push(
      { field: "message", message: "The message field is required when template id is not present." },
      { field: "template_id", message: "The template id field is required when message is not present." },
    );
  } else if (hasMessage && hasTemplate) {
    violations.push({ field: "message", message: "The message field prohibits template id from being present." });
  }
  if (hasMessage) {
    if (typeof message !== "string") violations.push(must("message", "be a string"));
    else {
      const tooLong = lengthViolation(message, "message");
      if (tooLong) violations.push(tooLong);
    }
  }
  if (hasTemplate && typeof templateId !== "string" && typeof templateId !== "number") {
    violations.push(must("template_id", "be a string"));
  }

  const when = parseSendAt(sendAt, timeZone, nowMs);
  if ("violation" in when) violations.push(when.violation);

  return {
    from: typeof from === "string" ? from : "",
    ...(hasMessage && typeof message === "string" ? { message } : {}),
    ...(hasTemplate && (typeof templateId === "string" || typeof templateId === "number") ? { templateId } : {}),
    deliverAt: "at" in when ? when.at : 0,
  };
}

function arrayField(body: Body, field: string, max: number, violations: FieldViolation[]): unknown[] {
  const value = body[field];
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) {
    violations.push(required(field));
    return [];
  }
  if (!Array.isArray(value)) {
    violations.push(must(field, "be an array"));
    return [];
  }
  if (value.length > max) violations.push(must(field, `not have more than ${max} items`));
  return value;
}

function objectBody(body: unknown): Body {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw validationError([{ field: "body", message: "The request body must be a JSON object." }]);
  }
  return body as Body;
}

export function parseToNumbers(body: unknown, timeZone: string, nowMs: number): CommonFields & { toNumbers: string[] } {
  const b = objectBody(body);
  const violations: FieldViolation[] = [];
  const entries = arrayField(b, "to_numbers", MAX_NUMBERS, violations);
  const common = commonFields(b, timeZone, nowMs, violations);
  if (violations.length > 0) throw validationError(violations);
  // A number sent as a JSON number is read as its digits; anything else is reported as an invalid number.
  const toNumbers = entries.map((e) => (typeof e === "string" ? e : typeof e === "number" ? String(e) : JSON.stringify(e) ?? ""));
  return { ...common, toNumbers };
}

export function parseToLists(body: unknown, timeZone: string, nowMs: number): CommonFields & { listIds: number[] } {
  const b = objectBody(body);
  const violations: FieldViolation[] = [];
  const entries = arrayField(b, "to_list_ids", MAX_LISTS, violations);
  const listIds: number[] = [];
  entries.forEach((entry, i) => {
    const id = typeof entry === "number" ? entry : typeof entry === "string" && /^\d{1,15}$/.test(entry) ? Number(entry) : NaN;
    // 0 or a negative id is an integer that names no list: the use case reports it as not found.
    if (!Number.isSafeInteger(id)) violations.push(must(`to_list_ids.${i}`, "be an integer"));
    else listIds.push(id);
  });
  const common = commonFields(b, timeZone, nowMs, violations);
  if (violations.length > 0) throw validationError(violations);
  return { ...common, listIds };
}
