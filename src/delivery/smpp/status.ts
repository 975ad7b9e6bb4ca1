/** SMPP command_status values we act on, and what a non-zero status means for a submit (smpp-facts.md). */
import type { SubmitFailureKind } from "../connector.js";

export const Status = {
  ESME_ROK: 0x00,
  ESME_RINVMSGLEN: 0x01,
  ESME_RINVCMDID: 0x03,
  ESME_RINVBNDSTS: 0x04,
  ESME_RSYSERR: 0x08,
  ESME_RINVSRCADR: 0x0a,
  ESME_RINVDSTADR: 0x0b,
  ESME_RINVMSGID: 0x0c,
  ESME_RBINDFAIL: 0x0d,
  ESME_RINVPASWD: 0x0e,
  ESME_RINVSYSID: 0x0f,
  ESME_RMSGQFUL: 0x14,
  ESME_RSUBMITFAIL: 0x45,
  ESME_RQUERYFAIL: 0x67,
  ESME_RTHROTTLED: 0x58,
  ESME_RINVSCHED: 0x61,
  ESME_RINVEXPIRY: 0x62,
  ESME_RX_T_APPN: 0x64,
  ESME_RX_P_APPN: 0x65,
  ESME_RX_R_APPN: 0x66,
  ESME_RDELIVERYFAILURE: 0xfe,
  ESME_RUNKNOWNERR: 0xff,
} as const;

const NAMES = new Map<number, string>(Object.entries(Status).map(([name, value]) => [value, name]));

export function statusName(status: number): string {
  return NAMES.get(status) ?? `0x${status.toString(16).padStart(8, "0")}`;
}

const PERMANENT = new Set<number>([
  Status.ESME_RINVSRCADR,
  Status.ESME_RINVDSTADR,
  Status.ESME_RINVSCHED,
  Status.ESME_RINVEXPIRY,
  Status.ESME_RX_P_APPN,
  Status.ESME_RX_R_APPN,
]);

/**
 * Failure kind of a submit_sm_resp status. Anything not known to be permanent is temporary: retrying an
 * unknown error on another route is cheaper than losing a message the network would have taken.
 */
export function classifySubmitStatus(status: number): SubmitFailureKind {
  if (status === Status.ESME_RTHROTTLED) return "throttled";
  if (PERMANENT.has(status)) return "permanent";
  return "temporary";
}
