/**
 * The HTTP server: both dialects on one port (they share no paths), so a client switches provider by
 * changing only its base URL. Each dialect is a plugin with its own error handler and body formats.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from "fastify";
import type { AppDeps } from "../app/deps.js";
import { IpBlocker } from "../app/ip-block.js";
import { randomAlphanumeric } from "../ids.js";
import { type LogFormat, logOptions } from "../logging.js";

export interface ServerOptions {
  bodyLimitBytes: number;
  trustProxy: boolean;
  logLevel: string;
  logFormat?: LogFormat;
  security: { badCredentialLimit: number; badCredentialWindowSeconds: number; ipBlockSeconds: number };
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
};

/** LOX24 request ids: 32 alphanumeric characters. */
export function newRequestId(): string {
  return randomAlphanumeric(32);
}

export async function buildServer(deps: AppDeps, options: ServerOptions, dialects: Dialect[]): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { ...logOptions(options.logLevel, options.logFormat ?? "json"), redact: ["req.headers.authorization", 'req.headers["x-lox24-auth-token"]'] },
    // Per-request log lines would cost more than the request itself at gateway rates.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes,
    trustProxy: options.trustProxy,
    genReqId: newRequestId,
    return503OnClosing: true,
  });

  // JSON-LD bodies are JSON; fastify's own parser (with prototype-poisoning protection) reads both.
  app.addContentTypeParser(
    ["application/ld+json", "application/merge-patch+json"],
    { parseAs: "string" },
    app.getDefaultJsonParser("error", "error"),
  );

  app.addHook("onRequest", async (request, reply) => {
    reply.header("X-LOX24-REQUEST-ID", request.id);
  });

  const ctx: DialectContext = {
    deps,
    ipBlocker: new IpBlocker({
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
    const dialect = dialects.find((d) => d.owns(path)) ?? dialects[dialects.length - 1];
    if (!dialect) return reply.code(404).send({ message: "Not Found" });
    return dialect.notFound(request, reply);
  });

  return app;
}
