/**
 * The HTTP server: both dialects on one port (they share no paths), so a client switches provider by
 * changing only its base URL. Each dialect is a plugin with its own error handler and body formats.
 */
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from "fastify";
import type { AppDeps } from "../app/deps.js";
import { IpBlocker } from "../app/ip-block.js";
import { randomAlphanumeric } from "../ids.js";
import { allowedMethods, describeFrameworkError, methodNotAllowed } from "./framework-errors.js";
import { clientErrorHandler, ignoreContentTypeWithoutBody, lingerOnClose } from "./connection-hygiene.js";
import { fastifyTrustProxy } from "./trusted-proxies.js";
import { type LogFormat, logOptions } from "../logging.js";

export interface ServerOptions {
  bodyLimitBytes: number;
  /** Reverse proxies whose X-Forwarded-For is believed (trusted-proxies.ts); empty: none. */
  trustedProxies: readonly string[];
  logLevel: string;
  logFormat?: LogFormat;
  security: { badCredentialLimit: number; badCredentialWindowSeconds: number; ipBlockSeconds: number };
  /** Shared with the SMPP server, so bad credentials count towards one block whichever way they came. */
  ipBlocker?: IpBlocker;
}

/** What a dialect plugin receives. */
export interface DialectContext {
  deps: AppDeps;
  ipBlocker: IpBlocker;
}

export type Dialect = {
  name: string;
  /** Paths this dialect answers 404 for when no route matches (first match wins; LOX24 is the fallback). */
  owns(path: string): boolean;
  register(app: FastifyInstance, ctx: DialectContext): Promise<void>;
  notFound(request: FastifyRequest, reply: FastifyReply): FastifyReply;
  /** The dialect's error handler: also formats framework errors raised outside its routes. */
  onError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply;
};

/** LOX24 request ids: 32 alphanumeric characters. */
export function newRequestId(): string {
  return randomAlphanumeric(32);
}

export async function buildServer(
  deps: AppDeps,
  options: ServerOptions,
  dialects: Dialect[],
): Promise<FastifyInstance> {
  const dialectOf = (request: FastifyRequest) => {
    const path = request.url.split("?")[0] ?? "/";
    return dialects.find((d) => d.owns(path)) ?? dialects[dialects.length - 1]!;
  };
  // Errors outside any dialect's routes (a URL the router cannot decode, a known path with another method)
  // still go out in the shape of the dialect that owns the path, with the request id.
  const answerError = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    reply.header("X-LOX24-REQUEST-ID", request.id);
    return dialectOf(request).onError(describeFrameworkError(error), request, reply);
  };
  const app = Fastify({
    logger: {
      ...logOptions(options.logLevel, options.logFormat ?? "json"),
      redact: ["req.headers.authorization", 'req.headers["x-lox24-auth-token"]'],
    },
    // Per-request log lines would cost more than the request itself at gateway rates.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes,
    trustProxy: fastifyTrustProxy(options.trustedProxies),
    genReqId: newRequestId,
    return503OnClosing: true,
    frameworkErrors: answerError,
    clientErrorHandler,
  });
  app.setErrorHandler(answerError);
  // Every request read gets an answer the client can read (connection-hygiene.ts).
  lingerOnClose(app.server);

  // JSON-LD bodies are JSON; fastify's own parser (with prototype-poisoning protection) reads both.
  app.addContentTypeParser(
    ["application/ld+json", "application/merge-patch+json"],
    { parseAs: "string" },
    app.getDefaultJsonParser("error", "error"),
  );

  // Callback style, not async: a hook on every request should not cost a promise and a microtask.
  app.addHook("onRequest", (request, reply, done) => {
    reply.header("X-LOX24-REQUEST-ID", request.id);
    ignoreContentTypeWithoutBody(request);
    done();
  });

  const ctx: DialectContext = {
    deps,
    ipBlocker:
      options.ipBlocker ??
      new IpBlocker({
        limit: options.security.badCredentialLimit,
        windowMs: options.security.badCredentialWindowSeconds * 1000,
        blockMs: options.security.ipBlockSeconds * 1000,
      }),
  };

  // A trivial JSON route: liveness for operators, and the baseline the benchmark compares POST /sms with.
  app.get("/health", async () => ({ status: "ok" }));

  for (const dialect of dialects) {
    await app.register(async (scope) => dialect.register(scope, ctx));
  }

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0] ?? "/";
    const allow = allowedMethods((route) => app.findRoute(route), request.method, path);
    if (allow.length === 0) return dialectOf(request).notFound(request, reply);
    reply.header("Allow", allow.join(", "));
    return answerError(methodNotAllowed(request.method, path, allow), request, reply);
  });

  return app;
}
