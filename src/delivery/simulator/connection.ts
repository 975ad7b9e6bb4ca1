/**
 * One ESME connection to the simulator: its socket's events, and an answer to each PDU it sends. Binds go
 * to bind.ts and submit_sm to submit.ts; enquire_link, unbind and unknown commands are answered here.
 */
import type { Logger } from "pino";
import { coalesceWrites, createPdu, type LibSession, type Pdu } from "../smpp/lib.js";
import { Status } from "../smpp/status.js";
import { type BindParts, bindTypeOf, onBind } from "./bind.js";
import { newSession, type SimSession } from "./esme.js";
import type { MessageLedger } from "./ledger.js";
import { MESSAGE_STATE } from "./pdus.js";
import type { SubmitHandler } from "./submit.js";

export interface ConnectionParts extends BindParts {
  /** Every open connection; one is removed when its socket closes. */
  sessions: Set<SimSession>;
  submits: SubmitHandler;
  ledger: MessageLedger;
  log: Logger;
}

export function acceptConnection(lib: LibSession, parts: ConnectionParts): void {
  const session = newSession(lib);
  parts.sessions.add(session);
  lib.socket.setNoDelay(true); // small PDUs: no Nagle delay on answers
  coalesceWrites(lib.socket);
  lib.on("error", (error: Error) => {
    parts.log.debug({ err: error.message }, "ESME connection error");
    lib.destroy();
  });
  lib.on("close", () => {
    parts.sessions.delete(session);
    session.bindType = undefined;
    for (const settle of [...session.unanswered]) settle(-1);
  });
  lib.on("pdu", (pdu: Pdu) => {
    try {
      onPdu(session, pdu, parts);
    } catch (error) {
      parts.log.error({ err: error, command: pdu.command }, "simulator failed on a PDU");
      lib.send(pdu.response({ command_status: Status.ESME_RSYSERR }));
    }
  });
}

function onPdu(session: SimSession, pdu: Pdu, parts: ConnectionParts): void {
  if (pdu.isResponse()) return; // deliver_sm_resp etc. are matched by the library's callbacks
  const bindType = bindTypeOf(pdu.command);
  if (bindType) {
    onBind(session, pdu, bindType, parts);
    return;
  }
  switch (pdu.command) {
    case "submit_sm":
      parts.submits.handle(session, pdu);
      return;
    case "query_sm":
      answerQuery(session, pdu, parts.ledger);
      return;
    case "enquire_link":
      parts.stats.enquireLinks++;
      session.lib.send(pdu.response());
      return;
    case "unbind":
      parts.stats.unbinds++;
      session.bindType = undefined;
      session.lib.send(pdu.response());
      session.lib.close();
      return;
    default:
      session.lib.send(
        createPdu("generic_nack", {
          sequence_number: pdu.sequence_number,
          command_status: Status.ESME_RINVCMDID,
        }),
      );
  }
}

/** query_sm: the state the message is in now; an id this SMSC never gave (or forgot) is ESME_RQUERYFAIL. */
function answerQuery(session: SimSession, pdu: Pdu, ledger: MessageLedger): void {
  if (!session.bindType || session.bindType === "receiver") {
    session.lib.send(pdu.response({ command_status: Status.ESME_RINVBNDSTS }));
    return;
  }
  const id = String(pdu.message_id ?? "");
  const status = ledger.status(id, Date.now());
  if (!status) {
    session.lib.send(pdu.response({ command_status: Status.ESME_RQUERYFAIL, message_id: id }));
    return;
  }
  session.lib.send(
    pdu.response({
      message_id: id,
      final_date: status.finalAt === undefined ? "" : new Date(status.finalAt),
      message_state: MESSAGE_STATE[status.state],
      error_code: Math.min(255, status.error),
    }),
  );
}
