/**
 * LOX24 GET /sms/{uuid}/clicks and /sms/{uuid}/requests: clicks on the short links of a message
 * (FullSMS messages get them). Every message the caller owns has both (zero clicks without short links);
 * another account's message is a 404.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { clickRequests, clickSummary } from "../../app/fullsms/short-links.js";
import { AppError } from "../../errors.js";
import type { LinkClick } from "../../store/ports/index.js";
import type { DialectContext } from "../server.js";
import { MESSAGES } from "./errors.js";
import { contentType, wantsJsonLd } from "./representation.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PER_PAGE = 30;

function uuidOf(request: FastifyRequest): string {
  const { uuid } = request.params as { uuid: string };
  if (!UUID.test(uuid)) throw new AppError("not_found", MESSAGES.not_found);
  return uuid;
}

function pageOf(request: FastifyRequest): number {
  const raw = (request.query as Record<string, unknown>).page;
  const page = Number(typeof raw === "string" ? raw : 1);
  return Number.isInteger(page) && page >= 1 && page <= 1_000_000 ? page : 1;
}

const requestBody = (c: LinkClick, jsonLd: boolean) => {
  const body = {
    id: c.id,
    ip: c.ip,
    user_agent: c.userAgent,
    url: c.url,
    date: Math.floor(c.createdAt / 1000),
    country: null,
    referer: c.referer,
    short_link: `/s/${c.code}`,
  };
  return jsonLd ? { "@id": `/short_link_requests/${c.id}`, "@type": "short_link_requests", ...body } : body;
};

export function clickRoutes(app: FastifyInstance, { deps }: DialectContext): void {
  const send = (reply: FastifyReply, body: unknown) =>
    reply.code(200).type(contentType(wantsJsonLd(reply.request))).send(body);

  app.get("/sms/:uuid/clicks", async (request, reply) => {
    const uuid = uuidOf(request);
    const summary = await clickSummary(deps, request.caller!.account.id, uuid);
    const body = { uuid, created_at: Math.floor(summary.createdAt / 1000), requests_count: summary.requestsCount };
    const jsonLd = wantsJsonLd(request);
    return send(reply, jsonLd ? { "@context": "/contexts/sms_clicks", "@id": `/sms/${uuid}/clicks`, "@type": "sms_clicks", ...body } : body);
  });

  app.get("/sms/:uuid/requests", async (request, reply) => {
    const uuid = uuidOf(request);
    const page = pageOf(request);
    const { items, total } = await clickRequests(deps, request.caller!.account.id, uuid, {
      offset: (page - 1) * PER_PAGE,
      limit: PER_PAGE,
    });
    const jsonLd = wantsJsonLd(request);
    if (!jsonLd) return send(reply, items.map((c) => requestBody(c, false)));
    const path = `/sms/${uuid}/requests`;
    const last = Math.max(1, Math.ceil(total / PER_PAGE));
    return send(reply, {
      "@context": "/contexts/short_link_requests",
      "@id": path,
      "@type": "hydra:Collection",
      "hydra:member": items.map((c) => requestBody(c, true)),
      "hydra:totalItems": total,
      "hydra:view": {
        "@id": `${path}?page=${page}`,
        "@type": "hydra:PartialCollectionView",
        "hydra:first": `${path}?page=1`,
        "hydra:last": `${path}?page=${last}`,
        ...(page > 1 ? { "hydra:previous": `${path}?page=${Math.min(page - 1, last)}` } : {}),
        ...(page < last ? { "hydra:next": `${path}?page=${page + 1}` } : {}),
      },
    });
  });
}
