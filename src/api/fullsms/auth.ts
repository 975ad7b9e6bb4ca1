/**
 * FullSMS authentication: `Authorization: Bearer <key_id>|<secret>` — the same API keys the CLI creates
 * for LOX24 (`<key_id>:<secret>` is accepted here too). Bad tokens count towards the shared IP block.
 */
import type { FastifyRequest } from "fastify";
import { authenticate } from "../../app/authenticate.js";
import { AppError } from "../../errors.js";
import type { AccountProfile, ApiKey } from "../../store/ports/index.js";
import { countBadCredentials, refuseBlockedAddress } from "../credential-guard.js";
import type { DialectContext } from "../server.js";
import { FULLSMS } from "./errors.js";

export interface FullsmsCaller {
  account: AccountProfile;
  key: ApiKey;
}

export async function fullsmsCaller(ctx: DialectContext, request: FastifyRequest): Promise<FullsmsCaller> {
  refuseBlockedAddress(ctx, request, "blocked");
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(.+)$/i.exec(header) : null;
  const outcome = await authenticate(ctx.deps, match?.[1]);
  if (outcome.ok) return { account: outcome.account, key: outcome.key };
  // FullSMS answers a disabled account with its authorisation error, not the authentication one.
  if (outcome.reason === "disabled") throw new AppError("account_disabled", FULLSMS.accessDenied);
  countBadCredentials(ctx, request);
  throw new AppError("unauthenticated", FULLSMS.unauthenticated);
}
