/**
 * The FullSMS dialect. Each area registers its routes from its own file; this file wires auth and errors.
 * Routes live under /account, /messages, /otp (and /s for short links, which needs no token).
 */
import type { FastifyInstance } from "fastify";
import { AppError } from "../../errors.js";
import { idempotentRoutes } from "../idempotency.js";
import type { Dialect, DialectContext } from "../server.js";
import { type FullsmsCaller, fullsmsCaller } from "./auth.js";
import { fullsmsErrorHandler, sendFullsmsError } from "./errors.js";
import { accountRoutes } from "./account-routes.js";
import { otpRoutes } from "./otp-routes.js";
import { sendRoutes } from "./send-routes.js";
import { shortLinkRoutes } from "./short-link-routes.js";

declare module "fastify" {
  interface FastifyRequest {
    fullsms?: FullsmsCaller;
  }
}

/** Sends a client may retry safely with an Idempotency-Key (api/idempotency.ts). */
const IDEMPOTENT = ["POST /messages/send/to_numbers", "POST /messages/send/to_lists", "POST /otp/create"];

const PREFIXES = ["/account", "/messages", "/otp", "/s/"];

/** A route file's export: it adds its routes to the authenticated (or public) scope. */
export type RouteRegistrar = (app: FastifyInstance, ctx: DialectContext) => void | Promise<void>;

/** Authenticated routes, one registrar per area file. */
const registrars: RouteRegistrar[] = [otpRoutes, accountRoutes, sendRoutes];
/** Routes that need no token (short-link redirects). */
const publicRegistrars: RouteRegistrar[] = [shortLinkRoutes];

async function register(app: FastifyInstance, ctx: DialectContext): Promise<void> {
  await app.register(async (scope) => {
    scope.setErrorHandler(fullsmsErrorHandler);
    for (const add of publicRegistrars) await add(scope, ctx);
  });
  await app.register(async (scope) => {
    scope.setErrorHandler(fullsmsErrorHandler);
    scope.addHook("preHandler", async (request) => {
      request.fullsms = await fullsmsCaller(ctx, request);
    });
    idempotentRoutes(scope, ctx.deps, IDEMPOTENT, (request) => request.fullsms?.account.id);
    for (const add of registrars) await add(scope, ctx);
  });
}

export const fullsmsDialect: Dialect = {
  name: "fullsms",
  owns: (path) => PREFIXES.some((p) => path === p || path.startsWith(p.endsWith("/") ? p : `${p}/`)),
  register,
  onError: fullsmsErrorHandler,
  notFound: (_request, reply) => sendFullsmsError(reply, new AppError("not_found", "Not Found")),
};
