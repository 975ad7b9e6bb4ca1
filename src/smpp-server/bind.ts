/**
 * bind_transmitter / bind_receiver / bind_transceiver: checked against the SMPP logins, with the same
 * per-address block as the HTTP APIs (a blocked address is refused before its credentials are looked at;
 * every bad credential counts), and a limit of binds per account.
 */
import type { AppDeps } from "../app/deps.js";
import type { IpBlocker } from "../app/ip-block.js";
import type { Pdu } from "../delivery/smpp/lib.js";
import { Status } from "../delivery/smpp/status.js";
import { authenticateBind } from "./credentials.js";
import type { BindType, CustomerSession } from "./session.js";

const ESME_RALYBND = 0x05;
const BIND_TYPES: Record<string, BindType> = {
  bind_transmitter: "transmitter",
  bind_receiver: "receiver",
  bind_transceiver: "transceiver",
};

export function bindTypeOf(command: string): BindType | undefined {
  return BIND_TYPES[command];
}

export interface BindParts {
  deps: AppDeps;
  ipBlocker: IpBlocker;
  maxBindsPerAccount: number;
  /** Open binds of the account right now. */
  bindsOf(accountId: number): number;
  bound(session: CustomerSession): void;
}

export async function onBind(
  session: CustomerSession,
  pdu: Pdu,
  type: BindType,
  parts: BindParts,
): Promise<void> {
  const refuse = (status: number) => {
    session.answer(pdu.response({ command_status: status }));
    session.close();
  };
  if (session.bindType) {
    session.answer(pdu.response({ command_status: ESME_RALYBND }));
    return;
  }
  const now = () => parts.deps.clock.now();
  if (parts.ipBlocker.blockedFor(session.ip, now()) > 0) return refuse(Status.ESME_RBINDFAIL);
  const auth = await authenticateBind(parts.deps, String(pdu.system_id ?? ""), String(pdu.password ?? ""));
  if (session.closed) return;
  if (!auth.ok) {
    if (auth.reason === "disabled") return refuse(Status.ESME_RBINDFAIL);
    parts.ipBlocker.recordFailure(session.ip, now());
    return refuse(auth.reason === "unknown_system_id" ? Status.ESME_RINVSYSID : Status.ESME_RINVPASWD);
  }
  if (parts.bindsOf(auth.account.id) >= parts.maxBindsPerAccount) return refuse(Status.ESME_RBINDFAIL);
  session.bindType = type;
  session.account = auth.account;
  session.keyId = auth.key.id;
  session.systemId = String(pdu.system_id);
  session.answer(pdu.response({ system_id: "Starling" }));
  parts.bound(session);
}
