/**
 * Binding an ESME: bind_transceiver, bind_transmitter or bind_receiver, checked against the configured
 * system_id and password (each only when set). A receiving bind gets the receipts that waited for it.
 */
import type { Pdu } from "../smpp/lib.js";
import { Status } from "../smpp/status.js";
import type { EsmeBindType, SimSession } from "./esme.js";
import type { SimulatorOptions } from "./options.js";
import type { ReceiptSender } from "./receipts.js";
import type { SimulatorStats } from "./stats.js";

const BIND_TYPES: Record<string, EsmeBindType> = {
  bind_transceiver: "transceiver",
  bind_transmitter: "transmitter",
  bind_receiver: "receiver",
};

export interface BindParts {
  options: SimulatorOptions;
  stats: SimulatorStats;
  receipts: ReceiptSender;
  /** Called once a bind succeeded and was answered. */
  bound(info: { systemId: string; bindType: string }): void;
}

/** The kind of bind `command` asks for; undefined when it is no bind. */
export function bindTypeOf(command: string): EsmeBindType | undefined {
  return BIND_TYPES[command];
}

export function onBind(session: SimSession, pdu: Pdu, bindType: EsmeBindType, parts: BindParts): void {
  const { systemId, password } = parts.options;
  let status: number = Status.ESME_ROK;
  if (session.bindType)
    status = 0x05; // ESME_RALYBND
  else if (systemId !== undefined && pdu.system_id !== systemId) status = Status.ESME_RBINDFAIL;
  else if (password !== undefined && pdu.password !== password) status = Status.ESME_RINVPASWD;
  if (status !== Status.ESME_ROK) {
    parts.stats.bindFailures++;
    session.lib.send(pdu.response({ command_status: status }));
    if (status !== 0x05) session.lib.close();
    return;
  }
  session.bindType = bindType;
  session.systemId = String(pdu.system_id ?? "");
  parts.stats.binds++;
  session.lib.send(pdu.response({ system_id: "STARLINGSIM" }));
  parts.bound({ systemId: session.systemId, bindType });
  if (bindType !== "transmitter") parts.receipts.flush(session.systemId);
}
