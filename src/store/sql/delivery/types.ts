/** Types the delivery modules share. */
import type { Transaction } from "kysely";
import type { Message } from "../../../core/message.js";
import type { Database } from "../db.js";

export type Trx = Transaction<Database>;

/** What an event and a dlr change need to know of a message. */
export type MessageRef = Pick<Message, "uuid" | "accountId" | "keyId" | "callbackData" | "isTextDeleted">;

export type Timed<T> = { item: T; now: number };
