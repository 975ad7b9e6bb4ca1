/**
 * The command_status a submit_sm gets for each refusal of the acceptance path. SMPP 3.4 has no code for
 * "no credit" or "account disabled"; ESME_RSUBMITFAIL is what most SMSCs send for both.
 */
import { Status } from "../delivery/smpp/status.js";
import { isAppError } from "../errors.js";

export function statusOfError(error: unknown): number {
  if (!isAppError(error)) return Status.ESME_RSYSERR;
  switch (error.code) {
    case "insufficient_funds":
    case "account_disabled":
    case "forbidden":
      return Status.ESME_RSUBMITFAIL;
    // A velocity limit of the fraud rules (app/fraud/guard.ts): the client should back off and resubmit.
    case "rate_limited":
      return Status.ESME_RTHROTTLED;
    case "validation": {
      const fields = new Set(error.violations.map((v) => v.field));
      if (fields.has("phone")) return Status.ESME_RINVDSTADR;
      if (fields.has("sender_id")) return Status.ESME_RINVSRCADR;
      if (fields.has("text")) return Status.ESME_RINVMSGLEN;
      return Status.ESME_RSUBMITFAIL;
    }
    default:
      return Status.ESME_RSYSERR;
  }
}
