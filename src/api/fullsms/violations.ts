/** FullSMS's wording for the core's neutral violations, as its `errors` map has carried them so far. */
import type { FieldViolation, ViolationKind } from "../../errors.js";

const WORDING: Record<ViolationKind, (params: Record<string, string | number>) => string> = {
  invalid_phone: () => "This value is not a valid phone number.",
  too_long: (p) => `This value is too long. It should have ${p.max} characters or less.`,
  service_unavailable: () => "Service's code is invalid or unavailable.",
  must_be_null: () => "This value should be null for this service.",
  invalid: () => "The value is invalid.",
};

export function fullsmsViolationMessage(v: FieldViolation): string {
  return v.message ?? WORDING[v.kind](v.params ?? {});
}
