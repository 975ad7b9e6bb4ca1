/**
 * LOX24 authentication: `X-LOX24-AUTH-TOKEN: <key_id>:<secret>`, or the legacy pair
 * `X-LOX24-CLIENT-ID: <key_id>` + `X-LOX24-AUTH-TOKEN: <secret>`. Bad credentials count towards the IP block.
 */
import type { FastifyRequest } from "fastify";
import { authenticate } from "../../app/authenticate.js";
import { AppError } from "../../errors.js";
import type { AccountProfile, ApiKey } from "../../store/ports/index.js";
import { countBadCredentials, refuseBlockedAddress } from "../credential-guard.js";
import type { DialectContext } from "../server.js";
import { MESSAGES } from "./errors.js";

export interface Caller {
  account: AccountProfile;
  key: ApiKey;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export async function lox24Caller(ctx: DialectContext, request: FastifyRequest): Promise<Caller> {
  refuseBlockedAddress(ctx, request, MESSAGES.ip_blocked);
  const token = header(request, "x-lox24-auth-token");
  const clientId = header(request, "x-lox24-client-id");
  const combined = clientId && token && !token.includes(":") ? `${clientId}:${token}` : token;
  const outcome = await authenticate(ctx.deps, combined);
  if (outcome.ok) return { account: outcome.account, key: outcome.key };
  if (outcome.reason === "disabled") throw new AppError("account_disabled", MESSAGES.account_disabled);
  countBadCredentials(ctx, request);
  throw new AppError("unauthenticated", MESSAGES.unauthenticated);
}
