/**
 * What a session does with each PDU the SMSC sends: a response settles the request it answers, and every
 * request gets an answer (deliver_sm only once its listeners' work is done, see DeliverAck).
 */
import type { Logger } from "pino";
import type { Connection } from "./connection.js";
import { createPdu, type Pdu } from "./lib.js";
import { Status } from "./status.js";

/**
 * Handed to `deliver` listeners. Without defer() the SMSC gets its deliver_sm_resp at once; with it, only
 * once the work settles: ROK if it succeeded, ESME_RX_T_APPN (send it again later) if it failed or took
 * longer than the response timeout. So a receipt is acknowledged only after it was stored.
 */
export interface DeliverAck {
  defer(work: Promise<unknown>): void;
}

/** What the session lends to PDU handling. */
export interface SmscPduContext {
  readonly log: Logger;
  readonly responseTimeoutMs: number;
  /** Emits `deliver`; false if a listener threw. */
  deliver(pdu: Pdu, ack: DeliverAck): boolean;
  /** Ends the connection (see SmppSession's #drop). */
  drop(conn: Connection, error: Error | undefined, graceful?: boolean): void;
}

export function onSmscPdu(ctx: SmscPduContext, conn: Connection, pdu: Pdu): void {
  if (!conn.alive) return;
  if (pdu.isResponse()) {
    // generic_nack is a response too: it settles the request it names with its error status
    if (!conn.settle(pdu.sequence_number, { kind: "response", pdu })) {
      const acceptedLate = pdu.command === "submit_sm_resp" && pdu.command_status === Status.ESME_ROK;
      // Reported as a temporary failure already: a retry of this message may reach the handset twice.
      if (acceptedLate) ctx.log.warn({ smscId: pdu.message_id }, "submit_sm accepted after its timeout");
      else
        ctx.log.debug({ command: pdu.command, seq: pdu.sequence_number }, "response to no pending request");
    }
    return;
  }
  switch (pdu.command) {
    case "deliver_sm":
    case "data_sm":
      onDeliver(ctx, conn, pdu);
      return;
    case "enquire_link":
      reply(ctx, conn, pdu.response());
      return;
    case "unbind":
      reply(ctx, conn, pdu.response());
      ctx.log.warn("SMSC unbound the session");
      ctx.drop(conn, new Error("unbound by SMSC"), true);
      return;
    case "alert_notification":
    case "outbind":
      return; // neither takes a response
    default:
      reply(
        ctx,
        conn,
        createPdu("generic_nack", {
          sequence_number: pdu.sequence_number,
          command_status: Status.ESME_RINVCMDID,
        }),
      );
  }
}

function onDeliver(ctx: SmscPduContext, conn: Connection, pdu: Pdu): void {
  const work: Promise<unknown>[] = [];
  const handled = ctx.deliver(pdu, { defer: (p) => work.push(p) });
  if (work.length === 0) {
    // a listener that threw has not taken the message: ask the SMSC to send it again
    reply(ctx, conn, handled ? pdu.response() : pdu.response({ command_status: Status.ESME_RX_T_APPN }));
    return;
  }
  void settledWithin(Promise.all(work), ctx.responseTimeoutMs).then((ok) => {
    if (!ok) ctx.log.warn({ seq: pdu.sequence_number }, "deliver_sm not processed; the SMSC will resend it");
    if (conn.alive)
      reply(ctx, conn, ok ? pdu.response() : pdu.response({ command_status: Status.ESME_RX_T_APPN }));
  });
}

function reply(ctx: SmscPduContext, conn: Connection, pdu: Pdu): void {
  const error = conn.reply(pdu);
  if (error) ctx.log.warn({ err: error, command: pdu.command }, "could not answer the SMSC");
}

/** True if `work` fulfilled within `ms`; false if it rejected or is still running. */
function settledWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    work.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(false);
      },
    );
  });
}
