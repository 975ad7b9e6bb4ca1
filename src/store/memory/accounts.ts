/** Accounts and messages in memory: acceptance with its debit, reading, cancelling. */
import { Status } from "../../core/message.js";
import type { AccountStore, MessageStore } from "../ports/index.js";
import type { MemoryTables } from "./state.js";

export function memoryAccounts(t: MemoryTables): AccountStore {
  return {
    async create(input, now) {
      const account = {
        id: t.nextId++,
        name: input.name,
        country: input.country,
        currency: input.currency,
        balanceMicros: input.balanceMicros,
        balanceChangedAt: now,
        status: "active" as const,
        services: input.services ?? ["direct"],
        isTextDeleted: false,
        timezone: input.timezone ?? "UTC",
        minBalanceMicros: 0,
        allowShortLinks: false,
        webhookSecret: input.webhookSecret,
        createdAt: now,
      };
      t.accounts.set(account.id, account);
      return { ...account };
    },
    get: async (id) => {
      const a = t.accounts.get(id);
      return a && { ...a };
    },
    list: async () => [...t.accounts.values()].map((a) => ({ ...a })),
    count: async () => t.accounts.size,
    async update(id, patch) {
      const a = t.accounts.get(id);
      if (!a) return undefined;
      Object.assign(a, patch);
      return { ...a };
    },
    async adjustBalance(id, delta, now) {
      const a = t.accounts.get(id);
      if (!a) return undefined;
      a.balanceMicros += delta;
      a.balanceChangedAt = now;
      return a.balanceMicros;
    },
  };
}

export function memoryMessages(t: MemoryTables): MessageStore {
  return {
    async accept({ accountId, messages, totalMicros, dueAt, now }) {
      const account = t.accounts.get(accountId);
      if (!account) return "no_account";
      if (account.balanceMicros < totalMicros) return "insufficient_funds";
      account.balanceMicros -= totalMicros;
      account.balanceChangedAt = now;
      messages.forEach((m, i) => {
        t.messages.set(m.uuid, { ...m });
        t.queue.set(m.uuid, {
          dueAt: dueAt[i] ?? now,
          priority: m.priority,
          attempts: 0,
          leaseOwner: null,
          leaseUntil: null,
          lastError: null,
        });
      });
      return "accepted";
    },
    get: async (accountId, uuid) => {
      const m = t.messages.get(uuid);
      return m && m.accountId === accountId ? { ...m } : undefined;
    },
    getById: async (uuid) => {
      const m = t.messages.get(uuid);
      return m && { ...m };
    },
    async list(accountId, query) {
      const all = [...t.messages.values()]
        .filter((m) => m.accountId === accountId)
        .sort((a, b) => (query.order === "asc" ? a.createdAt - b.createdAt : b.createdAt - a.createdAt));
      const start = (query.page - 1) * query.perPage;
      return { items: all.slice(start, start + query.perPage).map((m) => ({ ...m })), total: all.length };
    },
    async cancel(accountId, uuid, now) {
      const m = t.messages.get(uuid);
      if (!m || m.accountId !== accountId) return "not_found";
      const row = t.queue.get(uuid);
      // Only an unclaimed queue row may be removed: a claimed one is being submitted right now.
      if (m.statusCode !== Status.NEW || !row || (row.leaseUntil !== null && row.leaseUntil >= now))
        return "already_transmitted";
      t.queue.delete(uuid);
      m.statusCode = Status.CANCELLED;
      const account = t.accounts.get(accountId)!;
      account.balanceMicros += m.priceMicros;
      account.balanceChangedAt = now;
      return "cancelled";
    },
  };
}
