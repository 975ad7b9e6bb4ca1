/** The LOX24 dialect: /sms, /sms/{uuid}, /sms/dryrun, /me. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { accountBalance } from "../../app/account-balance.js";
import { getMessage, listMessages, cancelMessage } from "../../app/messages.js";
import { prepareMessage, sendMessage, type SendRequest } from "../../app/send-message.js";
import { fromMicros } from "../../core/money.js";
import { AppError, validationError } from "../../errors.js";
import { idempotentRoutes } from "../idempotency.js";
import type { Dialect, DialectContext } from "../server.js";
import { type Caller, lox24Caller } from "./auth.js";
import { clickRoutes } from "./click-routes.js";
import { parseCollectionQuery } from "./collection-query.js";
import { lox24ErrorHandler, MESSAGES, sendLox24Error } from "./errors.js";
import { contentType, smsBody, wantsJsonLd } from "./representation.js";
import { parseSendSms } from "./validation.js";
import { hydraCollection } from "./hydra.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

declare module "fastify" {
  interface FastifyRequest {
    caller?: Caller;
  }
}

function toSendRequest(request: FastifyRequest, caller: Caller): SendRequest {
  const parsed = parseSendSms(request.body);
  if (!parsed.ok) throw validationError(parsed.violations);
  const b = parsed.value;
  return {
    account: caller.account,
    keyId: caller.key.id,
    text: b.text,
    senderId: b.sender_id,
    phone: b.phone,
    deliveryAt: b.delivery_at ?? 0,
    source: b.source ?? null,
    isUnicode: b.is_unicode ?? null,
    voiceLang: b.voice_lang ?? null,
    callbackData: b.callback_data ?? null,
    serviceCode: b.service_code ?? "direct",
    ...(b.is_text_deleted !== undefined && b.is_text_deleted !== null ? { isTextDeleted: b.is_text_deleted } : {}),
    attemptsCountMax: b.attempts_count_max ?? null,
    ip: request.ip,
  };
}

function uuidParam(request: FastifyRequest): string {
  const { uuid } = request.params as { uuid: string };
  if (!UUID.test(uuid)) throw new AppError("not_found", MESSAGES.not_found);
  return uuid;
}

async function register(app: FastifyInstance, ctx: DialectContext): Promise<void> {
  const { deps } = ctx;
  app.setErrorHandler(lox24ErrorHandler);
  app.addHook("preHandler", async (request) => {
    request.caller = await lox24Caller(ctx, request);
  });
  idempotentRoutes(app, deps, ["POST /sms"], (request) => request.caller?.account.id);
  const send = (reply: FastifyReply, status: number, body: unknown) =>
    reply.code(status).type(contentType(wantsJsonLd(reply.request))).send(body);

  app.post("/sms", async (request, reply) => {
    const message = await sendMessage(deps, toSendRequest(request, request.caller!));
    return send(reply, 201, smsBody(message, wantsJsonLd(request)));
  });

  // The would-be message: parts, characters and price, with nothing stored or charged. 201 like POST /sms:
  // the LOX24 OpenAPI gives it as the only success response, and generated clients check for it.
  app.post("/sms/dryrun", async (request, reply) => {
    const message = await prepareMessage(deps, toSendRequest(request, request.caller!));
    return send(reply, 201, smsBody(message, wantsJsonLd(request)));
  });

  app.get("/sms", async (request, reply) => {
    const parsed = parseCollectionQuery(request.query as Record<string, string | string[]>);
    if ("violations" in parsed) throw validationError(parsed.violations);
    const { items, total } = await listMessages(deps, request.caller!.account.id, parsed.query);
    const jsonLd = wantsJsonLd(request);
    return send(reply, 200, jsonLd ? hydraCollection(request.url, parsed.query, items, total) : items.map((m) => smsBody(m, false)));
  });

  app.get("/sms/:uuid", async (request, reply) => {
    const message = await getMessage(deps, request.caller!.account.id, uuidParam(request));
    return send(reply, 200, smsBody(message, wantsJsonLd(request)));
  });

  app.delete("/sms/:uuid", async (request, reply) => {
    await cancelMessage(deps, request.caller!.account.id, uuidParam(request));
    return reply.code(204).send();
  });

  clickRoutes(app, ctx);

  app.get("/me", async (request, reply) => {
    const account = request.caller!.account;
    const { balanceMicros, balanceChangedAt } = await accountBalance(deps, account.id);
    const body = {
      id: account.id,
      currency: account.currency,
      balance_amount: fromMicros(balanceMicros),
      balance_changed_at: Math.floor(balanceChangedAt / 1000),
      is_text_deleted: account.isTextDeleted,
      services: account.services,
    };
    return send(reply, 200, wantsJsonLd(request) ? { "@context": "/contexts/me", "@id": "/me", "@type": "me", ...body } : body);
  });
}

export const lox24Dialect: Dialect = {
  name: "lox24",
  owns: () => true,
  register,
  onError: lox24ErrorHandler,
  notFound: (_request, reply) => sendLox24Error(reply, new AppError("not_found", MESSAGES.not_found)),
};
