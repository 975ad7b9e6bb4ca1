/** Request count and latency per route template (never the raw URL: uuids would explode the label set). */
import type { FastifyInstance } from "fastify";
import type { Metrics } from "./registry.js";

export function instrumentHttp(app: FastifyInstance, metrics: Metrics): void {
  // Callback style: no promise and microtask per request for a synchronous hook.
  app.addHook("onResponse", (request, reply, done) => {
    const labels = {
      route: request.routeOptions.url ?? "unmatched",
      method: request.method,
      status: String(reply.statusCode),
    };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    done();
  });
}
