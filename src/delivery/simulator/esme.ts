/**
 * One ESME connected to the simulator, and what the simulator can do with such connections: tell which
 * can receive, find one that receives for a system_id, and send one a deliver_sm and learn its answer.
 */
import { createPdu, type LibSession, type Pdu } from "../smpp/lib.js";

export type EsmeBindType = "transceiver" | "transmitter" | "receiver";

export interface SimSession {
  lib: LibSession;
  systemId: string;
  bindType: EsmeBindType | undefined;
  submits: number;
  outstanding: number;
  /** deliver_sm sent and not yet answered: settled with -1 when the connection goes. */
  unanswered: Set<(status: number) => void>;
}

const DELIVER_RESPONSE_TIMEOUT_MS = 5000;

export function newSession(lib: LibSession): SimSession {
  return { lib, systemId: "", bindType: undefined, submits: 0, outstanding: 0, unanswered: new Set() };
}

export function canReceive(session: SimSession): boolean {
  return session.bindType === "transceiver" || session.bindType === "receiver";
}

/** A bind that can receive, of `systemId` if one is given. */
export function receiverFor(
  sessions: Iterable<SimSession>,
  systemId: string | undefined,
): SimSession | undefined {
  for (const session of sessions) {
    if (canReceive(session) && (systemId === undefined || session.systemId === systemId)) return session;
  }
  return undefined;
}

/** Sends a deliver_sm; resolves with the command_status of its response (-1 if none came). */
export function deliver(session: SimSession, fields: Record<string, unknown>): Promise<number> {
  return new Promise((resolve) => {
    const settle = (status: number) => {
      clearTimeout(timer);
      session.unanswered.delete(settle);
      resolve(status);
    };
    const timer = setTimeout(() => settle(-1), DELIVER_RESPONSE_TIMEOUT_MS);
    timer.unref();
    session.unanswered.add(settle);
    const sent = session.lib.send(createPdu("deliver_sm", fields), (response: Pdu) =>
      settle(response.command_status),
    );
    if (!sent) settle(-1);
  });
}
