/**
 * FullSMS error bodies exactly as its documentation shows them, quirks included: a bad token is 403
 * (not 401), validation is 422 with Laravel's `errors` map, OTP bodies carry an extra `code`.
 */
import { fullsmsViolationMessage } from "./violations.js";
import type { FastifyError, FastifyReply } from "fastify";
import { AppError } from "../../errors.js";
import { isBodySyntaxError, isMethodNotAllowed } from "../framework-errors.js";

export const FULLSMS = {
  unauthenticated: "Unauthenticated - Missing/Invalid API key",
  accessDenied: "Access Denied",
  internal: "Internal Error",
  unprocessable: "422 Unprocessable Content",
  senderNotApproved: "Sender ID is not approved",
  numberNotOwned: "Number invalid, inactive or unknown",
  shortLinks: "Shortlinks are not allowed in your account. You may use templates without shortlinks.",
  templateNotFound: "Template not found or not valid",
  otpNotFound: "OTP_ID does not exist",
  otpNotActive: "OTP is not active",
  tooManyWrong: "Wrong code too many times",
  maxVerification: "Maximum verification",
} as const;

type Body = Record<string, unknown>;

/** Status and body for a domain error. `details.withCode` adds the OTP section's `"code"` field. */
export function fullsmsError(error: AppError): { status: number; body: Body } {
  const withCode = error.details.withCode === true;
  const simple = (status: number, message: string, extra: Body = {}) => ({
    status,
    body: { status_code: status, message, ...extra },
  });
  switch (error.code) {
    case "validation": {
      const errors: Record<string, string[]> = {};
      for (const v of error.violations) {
        errors[v.field] = [...(errors[v.field] ?? []), fullsmsViolationMessage(v)];
      }
      return {
        status: 422,
        body: { message: FULLSMS.unprocessable, errors, ...(withCode ? { code: 422 } : {}), status_code: 422 },
      };
    }
    case "unauthenticated":
      return simple(403, FULLSMS.unauthenticated);
    case "account_disabled":
    case "forbidden":
      return simple(403, FULLSMS.accessDenied);
    case "sender_not_approved":
      return simple(403, FULLSMS.senderNotApproved);
    case "number_not_owned":
      return simple(403, FULLSMS.numberNotOwned);
    case "short_links_not_allowed":
      return simple(403, FULLSMS.shortLinks);
    case "template_not_found":
      return { status: 404, body: { status_code: 404, status: "declined", message: FULLSMS.templateNotFound } };
    case "otp_not_found":
      return { status: 404, body: { status_code: 404, status: "declined", message: FULLSMS.otpNotFound } };
    case "not_found":
      return simple(404, error.message || "Not Found");
    case "otp_not_active":
      return { status: 422, body: { message: FULLSMS.otpNotActive, status_code: 422 } };
    case "otp_invalid_code":
      return {
        status: 422,
        body: { message: FULLSMS.unprocessable, errors: { code: ["This code is invalid."] }, code: 422, status_code: 422 },
      };
    case "otp_too_many_wrong":
    case "otp_same_number":
    case "otp_concurrent_limit":
    case "otp_daily_quota":
      return { status: 429, body: { message: error.message, code: 429, status_code: 429 } };
    case "balance_low":
    case "insufficient_funds":
      return {
        status: 422,
        body: {
          status_code: 422,
          status: "declined",
          reason: "balance_low",
          message:
            error.code === "balance_low"
              ? error.message
              : // The use cases turn insufficient funds into balance_low with figures (app/fullsms/balance.ts).
                "Balance is too low to create or schedule new campaigns or messages",
        },
      };
    case "ip_blocked":
      return simple(429, "Too Many Attempts.");
    case "rate_limited":
      return { status: 429, body: { message: error.message, ...(withCode ? { code: 429 } : {}), status_code: 429 } };
    case "idempotency_in_flight":
      return simple(409, error.message);
    case "unprocessable":
    case "conflict":
      return simple(422, error.message);
    default:
      return simple(500, FULLSMS.internal);
  }
}

export function sendFullsmsError(reply: FastifyReply, error: AppError): FastifyReply {
  const { status, body } = fullsmsError(error);
  if (typeof error.details.retryAfterSeconds === "number") {
    reply.header("Retry-After", String(error.details.retryAfterSeconds));
  }
  return reply.code(status).type("application/json").send(body);
}

/** Bad JSON and oversize bodies are the client's fault (4xx); anything unexpected is a bare 500, never a stack. */
export function fullsmsErrorHandler(
  error: FastifyError | AppError,
  request: { log: { error: (o: object, m: string) => void } },
  reply: FastifyReply,
) {
  if (error instanceof AppError) return sendFullsmsError(reply, error);
  const status = (error as FastifyError).statusCode;
  if (status === 413) return reply.code(413).send({ status_code: 413, message: "Payload Too Large" });
  if (status === 415) return reply.code(415).send({ status_code: 415, message: "Unsupported Media Type" });
  if (isMethodNotAllowed(error)) {
    // Laravel's wording, which FullSMS answers with
    const route = error.path.replace(/^\//, "");
    const message = `The ${error.method} method is not supported for route ${route}. Supported methods: ${error.allow.join(", ")}.`;
    return reply.code(405).send({ status_code: 405, message });
  }
  // A URL the router could not decode and the like: their own status, FullSMS's simple body.
  if (status && status >= 400 && status < 500 && !isBodySyntaxError(error as FastifyError)) {
    return reply.code(status).send({ status_code: status, message: error.message });
  }
  if (status && status >= 400 && status < 500) {
    return sendFullsmsError(
      reply,
      new AppError("validation", "bad body", [{ field: "body", message: "The request body must be valid JSON." }]),
    );
  }
  request.log.error({ err: error }, "unhandled error");
  return sendFullsmsError(reply, new AppError("internal", FULLSMS.internal));
}
