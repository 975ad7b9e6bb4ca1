/**
 * The catalogue of errors the domain can raise. Each dialect owns one mapping from these codes to its
 * own status and body; nothing else formats an error body.
 */
export type ErrorCode =
  | "validation" // one or more fields are invalid (details carry field → messages)
  | "unauthenticated" // missing or invalid credentials
  | "ip_blocked" // too many bad credentials from one address
  | "account_disabled"
  | "forbidden" // key lacks the right for this action
  | "insufficient_funds"
  | "balance_low" // below the account's minimum for campaigns
  | "not_found"
  | "unprocessable" // well-formed but impossible
  | "sender_not_approved"
  | "number_not_owned"
  | "short_links_not_allowed"
  | "template_not_found"
  | "otp_not_found"
  | "otp_not_active"
  | "otp_invalid_code"
  | "otp_too_many_wrong"
  | "otp_same_number"
  | "otp_concurrent_limit"
  | "otp_daily_quota"
  | "conflict" // the resource moved on (e.g. already transmitted)
  | "idempotency_in_flight" // a request with the same Idempotency-Key is still running
  | "rate_limited" // a fraud rule (velocity, OTP conversion) refused the send; details carry rule, retryAfterSeconds
  | "internal";

/**
 * What is wrong with a field, in neutral terms: each dialect renders its own wording and codes for a kind
 * (LOX24's Symfony messages, FullSMS's Laravel bodies). `params` carry the facts a wording needs.
 */
export type ViolationKind =
  | "invalid_phone" // not a phone number the account's country can read
  | "too_long" // params.max: the most characters allowed
  | "service_unavailable" // the account may not use this service
  | "must_be_null" // the field does not apply to this service
  | "invalid";

export type ViolationParams = Record<string, string | number>;

/**
 * A field path (dot-separated, array indexes as numbers: "to_numbers.0") and what is wrong with it. The
 * app and core raise a neutral `kind`; a dialect's own input validation may give its `message` directly.
 */
export type FieldViolation = { field: string; params?: ViolationParams } & (
  | { kind: ViolationKind; message?: undefined }
  | { message: string; kind?: ViolationKind }
);

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly violations: FieldViolation[] = [],
    /** Extra facts a dialect may render (e.g. the limit that was hit, seconds until retry). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "AppError";
  }
}

export function validationError(violations: FieldViolation[]): AppError {
  return new AppError("validation", violations.map((v) => `${v.field}: ${v.message ?? v.kind}`).join("\n"), violations);
}

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;
