/**
 * The IP block both dialects share: a blocked address is refused before its token is even looked at,
 * and every bad credential counts towards the block whichever dialect it came through.
 */
import type { FastifyRequest } from "fastify";
import { AppError } from "../errors.js";
import type { DialectContext } from "./server.js";

export function refuseBlockedAddress(ctx: DialectContext, request: FastifyRequest, message: string): void {
  const blockedMs = ctx.ipBlocker.blockedFor(request.ip, ctx.deps.clock.now());
  if (blockedMs > 0) {
    throw new AppError("ip_blocked", message, [], { retryAfterSeconds: Math.ceil(blockedMs / 1000) });
  }
}

export function countBadCredentials(ctx: DialectContext, request: FastifyRequest): void {
  ctx.ipBlocker.recordFailure(request.ip, ctx.deps.clock.now());
}
