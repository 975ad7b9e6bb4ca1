/**
 * submit_sm from a customer, through the same acceptance path as POST /sms (prepareMessage +
 * acceptMessages: validation, number normalisation with the account's country, pricing, atomic debit,
 * queue and lanes). Parts of a concatenated message are held (unanswered) until all have arrived, joined
 * into one message and priced as one; every part is then answered with the message's id. Parts that do
 * not complete within the timeout are refused, and nothing is charged for them.
 */
import type { AppDeps } from "../app/deps.js";
import { acceptMessages, prepareMessage } from "../app/send-message.js";
import { SENDER_PATTERN } from "../core/sender.js";
import type { Pdu } from "../delivery/smpp/lib.js";
import { Reassembler } from "../delivery/smpp/reassembly.js";
import { Status } from "../delivery/smpp/status.js";
import type { AlphabetOptions } from "../delivery/smpp/text-codec.js";
import { rawPdu, submitTimes } from "./framing.js";
import type { CustomerSession } from "./session.js";
import { SmppTimeError } from "./smpp-time.js";
import { statusOfError } from "./status-of-error.js";
import { readSubmit, type SubmitPart } from "./submit-fields.js";
import type { AccountThrottle } from "./throttle.js";

export interface SubmitParts {
  deps: AppDeps;
  alphabet: AlphabetOptions;
  throttle: AccountThrottle;
  concatTimeoutMs: number;
  /** The gateway's own validity (delivery.validitySeconds) in ms: the longest a message may wait. */
  maxValidityMs: number;
}

interface HeldPart {
  session: CustomerSession;
  pdu: Pdu;
  part: SubmitPart;
  /** The same part sent again before the message completed: each copy gets the message's answer. */
  copies?: { session: CustomerSession; pdu: Pdu }[];
}

const answers = (h: HeldPart) => [{ session: h.session, pdu: h.pdu }, ...(h.copies ?? [])];

export class SubmitHandler {
  readonly #parts: Reassembler<HeldPart>;

  constructor(private readonly p: SubmitParts) {
    this.#parts = new Reassembler<HeldPart>(
      p.concatTimeoutMs,
      (held) => {
        for (const a of held.flatMap(answers))
          a.session.answer(a.pdu.response({ command_status: Status.ESME_RSUBMITFAIL }));
      },
      (first, again) => ({ ...again, copies: [...answers(first), ...(again.copies ?? [])] }),
    );
  }

  close(): void {
    this.#parts.clear();
  }

  handle(session: CustomerSession, pdu: Pdu): void {
    const account = session.account;
    if (!account || !session.canTransmit) {
      session.answer(pdu.response({ command_status: Status.ESME_RINVBNDSTS }));
      return;
    }
    const now = this.p.deps.clock.now();
    const raw = rawPdu(pdu);
    const part = readSubmit(
      pdu,
      raw ? submitTimes(raw) : { schedule: "", validity: "" },
      this.p.alphabet,
      now,
    );
    // Throttling counts messages, so a long message is counted once, on its first part to arrive.
    const first = !part.concat || !this.#parts.has(this.#groupKey(session, part), part.concat);
    if (first && !this.p.throttle.take(account.id)) {
      session.answer(pdu.response({ command_status: Status.ESME_RTHROTTLED }));
      return;
    }
    if (!part.concat) {
      void this.#accept(session, [{ session, pdu, part }]);
      return;
    }
    const all = this.#parts.add(this.#groupKey(session, part), part.concat, { session, pdu, part });
    if (all) void this.#accept(session, all);
  }

  #groupKey(session: CustomerSession, part: SubmitPart): string {
    return `${session.keyId}|${part.source.addr}|${part.dest.addr}`;
  }

  async #accept(session: CustomerSession, held: HeldPart[]): Promise<void> {
    const answerAll = (fields: Record<string, unknown>) => {
      for (const a of held.flatMap(answers)) a.session.answer(a.pdu.response(fields));
    };
    const first = held[0]!.part;
    const deps = this.p.deps;
    const now = deps.clock.now();
    try {
      let scheduleAt: number | undefined;
      let validUntil: number | undefined;
      try {
        scheduleAt = first.scheduleAt();
      } catch (error) {
        if (error instanceof SmppTimeError) return answerAll({ command_status: Status.ESME_RINVSCHED });
        throw error;
      }
      try {
        validUntil = first.validUntil();
      } catch (error) {
        if (error instanceof SmppTimeError) return answerAll({ command_status: Status.ESME_RINVEXPIRY });
        throw error;
      }
      const start = Math.max(now, scheduleAt ?? now);
      if (validUntil !== undefined && validUntil <= start)
        return answerAll({ command_status: Status.ESME_RINVEXPIRY });
      if (!SENDER_PATTERN.test(first.sender)) return answerAll({ command_status: Status.ESME_RINVSRCADR });
      // The account may have been disabled or the key revoked since the bind.
      const found = await deps.store.keys.findWithAccount(session.keyId);
      if (!found || found.key.revokedAt !== null || found.account.status !== "active") {
        answerAll({ command_status: Status.ESME_RSUBMITFAIL });
        void session.unbind();
        return;
      }
      const message = await prepareMessage(deps, {
        account: found.account,
        keyId: session.keyId,
        text: held.map((h) => h.part.text).join(""),
        senderId: first.sender,
        phone: first.destination,
        deliveryAt: scheduleAt !== undefined && scheduleAt > now ? Math.ceil(scheduleAt / 1000) : 0,
        ip: session.ip,
      });
      // Kept for a receipt, or for the ESME's own validity_period (expireUnsent). Written before the message
      // exists: a receipt that comes back at once must find it.
      const keep = (first.registeredDelivery & 3) !== 0 || validUntil !== undefined;
      if (keep) {
        await deps.store.smppServer.recordSubmit({
          messageUuid: message.uuid,
          accountId: found.account.id,
          registeredDelivery: first.registeredDelivery,
          source: first.source,
          dest: first.dest,
          validUntil: Math.min(validUntil ?? Number.POSITIVE_INFINITY, start + this.p.maxValidityMs),
          createdAt: now,
        });
      }
      try {
        await acceptMessages(deps, found.account.id, [message]);
      } catch (error) {
        if (keep) await deps.store.smppServer.forgetSubmit(message.uuid);
        throw error;
      }
      answerAll({ message_id: message.uuid });
    } catch (error) {
      answerAll({ command_status: statusOfError(error) });
    }
  }
}
