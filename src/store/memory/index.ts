/**
 * An in-memory store of the ports the delivery rules use (accounts, messages, delivery, webhooks). Not for
 * production: it keeps nothing across a restart. It runs the core's rules like the SQL store and passes the
 * same contract (test/contract/store.contract.ts), so the rules get fast tests without a database.
 */
import { neutralWebhook, type Store, type WebhookRenderer } from "../ports/index.js";
import { memoryAccounts, memoryMessages } from "./accounts.js";
import { memoryDelivery } from "./delivery.js";
import { MemoryTables } from "./state.js";
import { memoryWebhooks } from "./webhooks.js";

export type DeliveryPorts = Pick<Store, "accounts" | "messages" | "delivery" | "webhooks" | "close">;

export function openMemoryStore(options: { renderWebhook?: WebhookRenderer } = {}): DeliveryPorts {
  const tables = new MemoryTables();
  return {
    accounts: memoryAccounts(tables),
    messages: memoryMessages(tables),
    delivery: memoryDelivery(tables, options.renderWebhook ?? neutralWebhook),
    webhooks: memoryWebhooks(tables),
    close: async () => {},
  };
}
