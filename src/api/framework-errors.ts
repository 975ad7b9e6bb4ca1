/**
 * Errors the HTTP framework raises before a route runs (a URL it cannot decode, a parameter over the length
 * limit, a known path asked with another method), made into errors each dialect's handler formats in its
 * own shape. fastify's own wording names its internals (`'/sms/%ff' is not a valid url component`).
 */
import type { FastifyError } from "fastify";

/** A path that exists with other methods. Dialects word it their own way from `method`, `path`, `allow`. */
export interface MethodNotAllowed extends FastifyError {
  statusCode: 405;
  method: string;
  path: string;
  allow: string[];
}

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

export function isMethodNotAllowed(error: unknown): error is MethodNotAllowed {
  return (
    (error as { statusCode?: unknown }).statusCode === 405 && Array.isArray((error as MethodNotAllowed).allow)
  );
}

/** The methods `path` has routes for, other than `method`; empty when the path has none. */
export function allowedMethods(
  findRoute: (route: { method: string; url: string }) => unknown,
  method: string,
  path: string,
): string[] {
  return METHODS.filter((m) => m !== method && findRoute({ method: m, url: path }));
}

export function methodNotAllowed(method: string, path: string, allow: string[]): MethodNotAllowed {
  const error = new Error(`Method Not Allowed (Allow: ${allow.join(", ")})`) as MethodNotAllowed;
  return Object.assign(error, { statusCode: 405 as const, code: "METHOD_NOT_ALLOWED", method, path, allow });
}

/** fastify's routing errors with a message fit for a client; other errors pass through unchanged. */
export function describeFrameworkError(error: FastifyError): FastifyError {
  const reword = (message: string) =>
    Object.assign(new Error(message), { code: error.code, statusCode: error.statusCode });
  switch (error.code) {
    case "FST_ERR_BAD_URL":
      return reword(
        "The request URL is not a valid URL: it contains an invalid percent-encoding.",
      ) as FastifyError;
    case "FST_ERR_MAX_PARAM_LENGTH":
      return reword("A path parameter of the request URL is too long.") as FastifyError;
    default:
      return error;
  }
}

/** A body fastify could not parse as JSON (as opposed to a routing error or a body too large). */
export function isBodySyntaxError(error: FastifyError): boolean {
  return (
    error instanceof SyntaxError ||
    error.code === "FST_ERR_CTP_INVALID_JSON_BODY" ||
    error.code === "FST_ERR_CTP_EMPTY_JSON_BODY"
  );
}
