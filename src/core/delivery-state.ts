/**
 * How SMSC receipt states map onto the LOX24 dlr_code, and how the parts of a long message add up:
 * delivered when every part is, failed as soon as any part fails.
 */
import { Dlr } from "./message.js";

// The SMPP receipt `stat:` values (SMPP 3.4 appendix B), ENROUTE also being the state of a part just submitted.
export type PartState =
  | "ENROUTE"
  | "DELIVRD"
  | "EXPIRED"
  | "DELETED"
  | "UNDELIV"
  | "ACCEPTD"
  | "UNKNOWN"
  | "REJECTD";

/**
 * States in which a part still waits for its (final) receipt. Only such a part can take a receipt: SMSC
 * ids repeat (a counter restarting with the SMSC), and a receipt for a repeated id belongs to the part
 * that got the id most recently, never to an older one that already has its answer.
 */
export const AWAITING_RECEIPT: readonly PartState[] = ["ENROUTE", "ACCEPTD"];
export const awaitsReceipt = (state: string) => (AWAITING_RECEIPT as readonly string[]).includes(state);

const FAILED_REJECTED: readonly PartState[] = ["UNDELIV", "REJECTD", "DELETED", "UNKNOWN"];

/** The message's dlr_code from the states of all its parts (missing parts count as en route). */
export function aggregateDlr(states: readonly PartState[], partsCount: number): number {
  if (states.some((s) => FAILED_REJECTED.includes(s))) return Dlr.REJECTED;
  if (states.some((s) => s === "EXPIRED")) return Dlr.EXPIRED;
  const delivered = states.filter((s) => s === "DELIVRD").length;
  if (delivered >= partsCount && partsCount > 0) return Dlr.DELIVERED;
  return Dlr.EN_ROUTE;
}

/** The dlr codes after which a message never changes again. */
export const FINAL_DLR_CODES: readonly number[] = [Dlr.DELIVERED, Dlr.EXPIRED, Dlr.REJECTED];

export const isFinalDlr = (dlr: number) => FINAL_DLR_CODES.includes(dlr);
