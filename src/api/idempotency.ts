/**
 * The Idempotency-Key header on the send routes of both dialects: a preHandler (after authentication)
 * claims the key or answers the stored response, an onSend hook stores the first answer before it leaves.
 * Errors are AppErrors, so each dialect renders them in its own shape.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AppDeps } from "../app/deps.js";
import { beginKey, checkKey, finishKey, fingerprintOf } from "../app/idempotency.js";

export const IDEMPOTENCY_HEADER = "idempotency-key";
/** Set on a replayed answer (the name Stripe's clients know). */
export const REPLAY_HEADER = "Idempotent-Replayed";

interface Claimed {
  accountId: number;
  key: string;
}

const claimed = new WeakMap<FastifyRequest, Claimed>();

/**
 * Adds the hooks to a dialect's authenticated scope, for the given "METHOD /route" operations.
 * `accountOf` reads the authenticated account id the dialect's own preHandler set.
 */
export function idempotentRoutes(
  scope: FastifyInstance,
  deps: AppDeps,
  operations: string[],
  accountOf: (request: FastifyRequest) => number | undefined,
): void {
  if (!deps.idempotency) return;
  const covered = new Set(operations);

  const begin = async (request: FastifyRequest, reply: FastifyReply, header: string | string[]) => {
    const operation = `${request.method} ${request.routeOptions.url}`;
    if (!covered.has(operation)) return;
    const accountId = accountOf(request);
    if (accountId === undefined) return;
    const key = checkKey(Array.isArray(header) ? header.join(",") : header);
    const begun = await beginKey(deps, accountId, key, fingerprintOf(operation, request.body));
    if (begun.kind === "replay") {
      const { status, contentType, body } = begun.response;
      return reply.code(status).header("content-type", contentType).header(REPLAY_HEADER, "true").send(body);
    }
    claimed.set(request, { accountId, key });
  };
  // Callback style: a request without the header (most of them) passes without a promise or a microtask.
  scope.addHook("preHandler", (request, reply, done) => {
    const header = request.headers[IDEMPOTENCY_HEADER];
    if (header === undefined) return done();
    // As fastify runs an async hook: go on when it resolves (after a replay fastify sees the reply sent).
    begin(request, reply, header).then(() => done(), done);
  });

  const storeAnswer = async (request: FastifyRequest, reply: FastifyReply, payload: unknown, claim: Claimed) => {
    const body =
      typeof payload === "string" ? payload : Buffer.isBuffer(payload) ? payload.toString("utf8") : null;
    // A streamed answer cannot be stored to replay: give the key up rather than replay something else.
    const status = body === null ? 500 : reply.statusCode;
    const contentType = String(reply.getHeader("content-type") ?? "application/json");
    try {
      await finishKey(deps, claim.accountId, claim.key, { status, contentType, body: body ?? "" });
    } catch (err) {
      // The request itself succeeded or failed on its own; its key stays in flight until it is abandoned
      // (idempotency.abandonedAfterSeconds), after which a retry runs again.
      request.log.error({ err }, "could not store the answer of an idempotent request");
    }
    return payload;
  };
  scope.addHook("onSend", (request, reply, payload, done) => {
    const claim = claimed.get(request);
    if (!claim) return done(null, payload);
    claimed.delete(request);
    storeAnswer(request, reply, payload, claim).then((p) => done(null, p), done);
  });
}
