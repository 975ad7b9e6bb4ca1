import assert from "node:assert/strict";
import { test } from "node:test";
import { Status } from "../delivery/smpp/status.js";
import { AppError, validationError } from "../errors.js";
import { statusOfError } from "./status-of-error.js";

test("each refusal of the acceptance path has its command_status", () => {
  const field = (name: string) => validationError([{ field: name, message: "bad" }]);
  assert.equal(statusOfError(field("phone")), Status.ESME_RINVDSTADR);
  assert.equal(statusOfError(field("sender_id")), Status.ESME_RINVSRCADR);
  assert.equal(statusOfError(field("text")), Status.ESME_RINVMSGLEN);
  assert.equal(statusOfError(field("service_code")), Status.ESME_RSUBMITFAIL);
  assert.equal(statusOfError(new AppError("insufficient_funds", "no money")), Status.ESME_RSUBMITFAIL);
  assert.equal(statusOfError(new AppError("account_disabled", "off")), Status.ESME_RSUBMITFAIL);
  assert.equal(statusOfError(new Error("database gone")), Status.ESME_RSYSERR);
  // A velocity limit (app/fraud): SMPP clients back off on "throttled" and resubmit later.
  assert.equal(statusOfError(new AppError("rate_limited", "too many")), Status.ESME_RTHROTTLED);
});
