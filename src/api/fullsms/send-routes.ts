/** FullSMS POST /messages/send/to_numbers and /to_lists: parse, hand to the use case, answer the seed's shape. */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { SendInput } from "../../app/fullsms/campaign-setup.js";
import { sendToLists } from "../../app/fullsms/send-to-lists.js";
import { sendToNumbers } from "../../app/fullsms/send-to-numbers.js";
import type { DialectContext } from "../server.js";
import { type CommonFields, parseToLists, parseToNumbers } from "./send-validation.js";

/** The origin this request came to: where short links point when no public URL is configured. */
const originOf = (request: FastifyRequest) => `${request.protocol}://${request.host}`;

function sendInput(request: FastifyRequest, fields: CommonFields): SendInput {
  const caller = request.fullsms!;
  return {
    account: caller.account,
    keyId: caller.key.id,
    ip: request.ip,
    from: fields.from,
    message: fields.message,
    templateId: fields.templateId,
    deliverAt: fields.deliverAt,
    linkBase: originOf(request),
  };
}

export function sendRoutes(app: FastifyInstance, { deps }: DialectContext): void {
  app.post("/messages/send/to_numbers", async (request) => {
    const { account } = request.fullsms!;
    const body = parseToNumbers(request.body, account.timezone, deps.clock.now());
    const result = await sendToNumbers(deps, { ...sendInput(request, body), toNumbers: body.toNumbers });
    return {
      status: "approved",
      campaign_id: result.campaignId,
      total_sent: result.totalSent,
      invalid: { count: result.invalid.length, numbers: result.invalid },
    };
  });

  app.post("/messages/send/to_lists", async (request) => {
    const { account } = request.fullsms!;
    const body = parseToLists(request.body, account.timezone, deps.clock.now());
    const result = await sendToLists(deps, { ...sendInput(request, body), listIds: body.listIds });
    return { status: "approved", campaign_id: result.campaignId };
  });
}
