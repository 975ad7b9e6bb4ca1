/** GET /s/{code}: the short links in FullSMS messages. Public (readers have no token); 302 to the target. */
import type { FastifyInstance } from "fastify";
import { followShortLink } from "../../app/fullsms/short-links.js";
import { AppError } from "../../errors.js";
import type { DialectContext } from "../server.js";

const header = (value: string | string[] | undefined, max: number) =>
  typeof value === "string" ? value.slice(0, max) : null;

export function shortLinkRoutes(app: FastifyInstance, { deps }: DialectContext): void {
  app.get("/s/:code", async (request, reply) => {
    const { code } = request.params as { code: string };
    // HEAD (link previews, uptime checks) follows the link without counting as a reader's click.
    const click =
      request.method === "GET"
        ? {
            ip: request.ip,
            userAgent: header(request.headers["user-agent"], 500),
            referer: header(request.headers.referer, 500),
          }
        : null;
    const target = await followShortLink(deps, code, click);
    if (!target) throw new AppError("not_found", "Not Found");
    return reply.code(302).header("Location", target).header("Cache-Control", "no-store").send();
  });
}
