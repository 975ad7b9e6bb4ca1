/**
 * query_sm and cancel_sm: reading a message and cancelling it with the rules of GET and DELETE /sms/{uuid}
 * (another account's message is not found; only a message not yet handed to a network can be cancelled).
 */
import type { AppDeps } from "../app/deps.js";
import { cancelMessage, getMessage } from "../app/messages.js";
import { Dlr, isFinal, type Message, Status as MessageStatus } from "../core/message.js";
import type { Pdu } from "../delivery/smpp/lib.js";
import { Status } from "../delivery/smpp/status.js";
import type { CustomerSession } from "./session.js";

const ESME_RQUERYFAIL = 0x67;
const ESME_RCANCELFAIL = 0x11;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** SMPP 3.4 §5.2.28 message_state of a message. */
export function messageStateOf(m: Pick<Message, "statusCode" | "dlrCode">): number {
  if (m.statusCode === MessageStatus.CANCELLED) return 4; // DELETED
  if (m.dlrCode === Dlr.DELIVERED) return 2;
  if (m.dlrCode === Dlr.EXPIRED) return 3;
  if (m.dlrCode === Dlr.REJECTED) return m.statusCode === MessageStatus.TRANSMITTED ? 5 : 8; // UNDELIVERABLE : REJECTED
  if (m.statusCode !== MessageStatus.NEW && m.statusCode !== MessageStatus.TRANSMITTED) return 8;
  return 1; // ENROUTE (also while scheduled)
}

export async function onQuery(deps: AppDeps, session: CustomerSession, pdu: Pdu): Promise<void> {
  const id = String(pdu.message_id ?? "");
  try {
    if (!session.account || !session.canTransmit) {
      session.answer(pdu.response({ command_status: Status.ESME_RINVBNDSTS }));
      return;
    }
    if (!UUID.test(id)) throw new Error("not a message id");
    const m = await getMessage(deps, session.account.id, id.toLowerCase());
    session.answer(
      pdu.response({
        message_id: id,
        // A Date is written as an absolute UTC time. The message keeps no time of its final state; the
        // submission time (or creation, if never submitted) is the closest it has.
        final_date: isFinal(m) ? new Date(m.gatewaySentAt > 0 ? m.gatewaySentAt * 1000 : m.createdAt) : "",
        message_state: messageStateOf(m),
        error_code: 0,
      }),
    );
  } catch {
    session.answer(pdu.response({ command_status: ESME_RQUERYFAIL }));
  }
}

export async function onCancel(deps: AppDeps, session: CustomerSession, pdu: Pdu): Promise<void> {
  const id = String(pdu.message_id ?? "");
  try {
    if (!session.account || !session.canTransmit) {
      session.answer(pdu.response({ command_status: Status.ESME_RINVBNDSTS }));
      return;
    }
    // Cancelling by source and destination alone (empty message_id) is not offered.
    if (!UUID.test(id)) throw new Error("not a message id");
    await cancelMessage(deps, session.account.id, id.toLowerCase());
    await deps.store.smppServer.forgetSubmit(id.toLowerCase());
    session.answer(pdu.response());
  } catch {
    session.answer(pdu.response({ command_status: ESME_RCANCELFAIL }));
  }
}
