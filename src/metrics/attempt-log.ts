/**
 * Each submit attempt and webhook POST of recent messages, as this process saw them, for the console's
 * message timeline. The store keeps only a message's last error (queue.last_error, the outbox row's
 * last_error); this keeps every attempt, in memory and bounded, so it covers the latest messages of this
 * process only (it is empty after a restart and does not see other processes' attempts).
 */
export interface Attempt {
  at: number;
  kind: "submit" | "webhook";
  ok: boolean;
  /** "connector simulator: ESME_RTHROTTLED", "sms.delivery → HTTP 500", ... */
  detail: string;
}

const MAX_MESSAGES = 20_000;
const MAX_PER_MESSAGE = 50;

export class AttemptLog {
  readonly #byMessage = new Map<string, Attempt[]>();

  add(messageUuid: string, attempt: Attempt): void {
    let list = this.#byMessage.get(messageUuid);
    if (!list) {
      list = [];
      this.#byMessage.set(messageUuid, list);
      if (this.#byMessage.size > MAX_MESSAGES) this.#byMessage.delete(this.#byMessage.keys().next().value!);
    }
    if (list.length < MAX_PER_MESSAGE) list.push(attempt);
  }

  of(messageUuid: string): readonly Attempt[] {
    return this.#byMessage.get(messageUuid) ?? [];
  }
}
