/** FullSMS GET /account/*: balance, numbers, lists, sender IDs, templates, in the seed's shapes. */
import type { FastifyInstance } from "fastify";
import { accountBalance } from "../../app/account-balance.js";
import { fromMicros } from "../../core/money.js";
import type { DialectContext } from "../server.js";

export function accountRoutes(app: FastifyInstance, { deps }: DialectContext): void {
  const { fullsms } = deps.store;

  app.get("/account/balance", async (request) => {
    const { balanceMicros } = await accountBalance(deps, request.fullsms!.account.id);
    return { balance: fromMicros(balanceMicros) };
  });

  app.get("/account/numbers", async (request) => {
    const numbers = await fullsms.numbers.list(request.fullsms!.account.id);
    return { total_numbers: numbers.length, numbers: numbers.map((n) => ({ number: n.number, country: n.country })) };
  });

  app.get("/account/lists", async (request) => {
    const lists = await fullsms.lists.list(request.fullsms!.account.id);
    return {
      total_lists: lists.length,
      lists: lists.map((l) => ({
        list_id: l.id,
        name: l.name,
        subscribe_word: l.subscribeWord,
        subscribed_contacts: l.subscribedContacts,
      })),
    };
  });

  app.get("/account/senderids", async (request) => {
    const approved = await fullsms.senderIds.list(request.fullsms!.account.id, "approved");
    return { total_senderids: approved.length, senderids: approved.map((s) => s.name) };
  });

  app.get("/account/templates", async (request) => {
    const templates = await fullsms.templates.list(request.fullsms!.account.id);
    return {
      total_templates: templates.length,
      templates: templates.map((t) => ({ template_id: t.id, name: t.name, content: t.content })),
    };
  });
}
