/**
 * The admin listener: the operator console and /metrics on their own host and port (loopback by
 * default), so neither is reachable where only the API is published.
 */
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  LogController,
} from "fastify";
import type { Logger } from "pino";
import type { Metrics } from "../metrics/registry.js";

export interface AdminServerOptions {
  metrics: Metrics;
  logger: Logger;
  /** Adds the console's routes (absent: metrics only). */
  console?: (app: FastifyInstance) => Promise<void>;
}

export async function buildAdminServer(options: AdminServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger.child({ listener: "admin" }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 2 * 1024 * 1024,
  });
  const routes: { method: string; url: string }[] = [];
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat())
      if (method !== "HEAD") routes.push({ method, url: route.url });
  });
  registered.set(app, routes);
  app.get("/health", async () => ({ status: "ok" }));
  app.get("/metrics", (_request, reply) => metricsRoute(options.metrics, reply));
  if (options.console) await app.register(options.console);
  return app;
}

const registered = new WeakMap<FastifyInstance, { method: string; url: string }[]>();

/** Every route of an admin server (the security tests check each one refuses anonymous requests). */
export function adminRoutes(app: FastifyInstance): readonly { method: string; url: string }[] {
  return registered.get(app) ?? [];
}

export async function metricsRoute(metrics: Metrics, reply: FastifyReply) {
  return reply.type(metrics.contentType()).send(await metrics.text());
}

/** The admin port when the config leaves it unset: next to the API's, or ephemeral when that is. */
export function adminPort(configured: number | undefined, apiPort: number): number {
  if (configured !== undefined) return configured;
  return apiPort === 0 ? 0 : apiPort + 1;
}
