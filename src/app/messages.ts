import { AppError } from "../errors.js";
import type { MessageQuery } from "../store/ports/index.js";
import type { Message } from "../core/message.js";
import type { AppDeps } from "./deps.js";

const NOT_FOUND = "Resource not found";

/** Another account's message is reported exactly like a missing one. */
export async function getMessage(deps: AppDeps, accountId: number, uuid: string): Promise<Message> {
  const message = await deps.store.messages.get(accountId, uuid);
  if (!message) throw new AppError("not_found", NOT_FOUND);
  return message;
}

export function listMessages(deps: AppDeps, accountId: number, query: MessageQuery) {
  return deps.store.messages.list(accountId, query);
}

export async function cancelMessage(deps: AppDeps, accountId: number, uuid: string): Promise<void> {
  const outcome = await deps.store.messages.cancel(accountId, uuid, deps.clock.now());
  if (outcome === "not_found") throw new AppError("not_found", NOT_FOUND);
  if (outcome === "already_transmitted") {
    throw new AppError("conflict", "The SMS has already been transmitted or is being transmitted and cannot be cancelled.");
  }
}
