/**
 * LOX24 error bodies, in the API Platform problem shape its clients parse (they read `detail`).
 * JSON-LD callers get the hydra keys as well; plain JSON callers get the problem document.
 */
import type { FastifyError, FastifyReply } from "fastify";
import { AppError, type ErrorCode, type FieldViolation } from "../../errors.js";
import { isBodySyntaxError, isMethodNotAllowed } from "../framework-errors.js";
import { wantsJsonLd } from "./representation.js";
import { lox24ViolationMessage } from "./violations.js";

const PROBLEM_TYPE = "https://tools.ietf.org/html/rfc2616#section-10";
const TITLE = "An error occurred";

export const MESSAGES = {
  unauthenticated: "Client ID or API key isn't active or invalid!",
  insufficient_funds: "There are not enough funds on your account!",
  account_disabled: "Account isn't activated. Please wait or contact to support!",
  not_found: "Resource not found",
  ip_blocked:
    "IP address was temporary blocked, because during short time from it was sent many request with invalid credentials. Please wait and try later.",
  internal: "System error! Please contact to LOX24 support!",
} as const;

const STATUS: Partial<Record<ErrorCode, number>> = {
  validation: 400,
  unauthenticated: 401,
  insufficient_funds: 402,
  account_disabled: 403,
  forbidden: 403,
  not_found: 404,
  unprocessable: 422,
  conflict: 422,
  idempotency_in_flight: 409,
  ip_blocked: 429,
  rate_limited: 429,
};

/**
 * Symfony validator codes for the kinds of violation we raise; clients that switch on `code` see the
 * same values the upstream API sends.
 */
export function violationCode(message: string): string {
  if (message.startsWith("This value should not be blank")) return "c1051bb4-d103-4f74-8988-acbcafc7fdc3";
  if (message.startsWith("This value is too long")) return "d94b19cc-114f-4f44-9cc4-4138e80a87b9";
  if (message.startsWith("This value should be of type")) return "ba785a8c-82cb-4283-967c-3cf342181b40";
  if (message.startsWith("The value you selected is not a valid choice")) return "8e179f1b-97aa-4560-a02f-2a8b42e49df7";
  if (message.startsWith("This value should be null")) return "60d2f30b-8cfa-4372-b155-9656634de120";
  return "de1e3db3-5ed4-4941-aae4-59f3667cc3a3";
}

function violationsBody(violations: FieldViolation[], jsonLd: boolean) {
  const messages = violations.map(lox24ViolationMessage);
  const detail = violations.map((v, i) => `${v.field}: ${messages[i]}`).join("\n");
  const list = violations.map((v, i) => ({ propertyPath: v.field, message: messages[i]!, code: violationCode(messages[i]!) }));
  const problem = { type: PROBLEM_TYPE, title: TITLE, detail, violations: list };
  return jsonLd
    ? {
        "@context": "/contexts/ConstraintViolationList",
        "@type": "ConstraintViolationList",
        "hydra:title": TITLE,
        "hydra:description": detail,
        ...problem,
      }
    : problem;
}

function errorBody(detail: string, jsonLd: boolean) {
  const problem = { type: PROBLEM_TYPE, title: TITLE, detail };
  return jsonLd
    ? { "@context": "/contexts/Error", "@type": "hydra:Error", "hydra:title": TITLE, "hydra:description": detail, ...problem }
    : problem;
}

export function sendLox24Error(reply: FastifyReply, error: AppError): FastifyReply {
  const jsonLd = wantsJsonLd(reply.request);
  const status = STATUS[error.code] ?? 500;
  if (typeof error.details.retryAfterSeconds === "number") {
    reply.header("Retry-After", String(error.details.retryAfterSeconds));
  }
  const body =
    error.code === "validation"
      ? violationsBody(error.violations, jsonLd)
      : errorBody(status === 500 ? MESSAGES.internal : error.message, jsonLd);
  return reply
    .code(status)
    .type(status === 400 || !jsonLd ? "application/problem+json; charset=utf-8" : "application/ld+json; charset=utf-8")
    .send(body);
}

/** Framework errors (bad JSON, body too large, wrong media type) become LOX24 4xx bodies, never a 5xx. */
export function lox24ErrorHandler(error: FastifyError | AppError, request: { log: { error: (o: object, m: string) => void } }, reply: FastifyReply) {
  if (error instanceof AppError) return sendLox24Error(reply, error);
  const status = (error as FastifyError).statusCode;
  if (status && status >= 400 && status < 500) {
    const detail =
      status === 413
        ? "Request body is too large."
        : status === 415
          ? "The content-type is not supported. Use application/json or application/ld+json."
          : isMethodNotAllowed(error)
            ? `No route found for "${error.method} ${error.path}": ${error.message}` // Symfony's wording
            : isBodySyntaxError(error as FastifyError)
              ? `Syntax error: ${error.message}`
              : error.message;
    const jsonLd = wantsJsonLd(reply.request);
    return reply.code(status).type("application/problem+json; charset=utf-8").send(errorBody(detail, jsonLd));
  }
  request.log.error({ err: error }, "unhandled error");
  return sendLox24Error(reply, new AppError("internal", MESSAGES.internal));
}
