/** LOX24's wording for the core's neutral violations: the Symfony validator messages its clients see. */
import type { FieldViolation, ViolationKind } from "../../errors.js";

export const SERVICE_UNAVAILABLE = "Service's code is invalid or unavailable.";

const WORDING: Record<ViolationKind, (params: Record<string, string | number>) => string> = {
  invalid_phone: () => "This value is not a valid phone number.",
  too_long: (p) => `This value is too long. It should have ${p.max} characters or less.`,
  service_unavailable: () => SERVICE_UNAVAILABLE,
  must_be_null: () => "This value should be null for this service.",
  invalid: () => "This value is not valid.",
};

export function lox24ViolationMessage(v: FieldViolation): string {
  return v.message ?? WORDING[v.kind](v.params ?? {});
}
