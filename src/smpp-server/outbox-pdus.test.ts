import assert from "node:assert/strict";
import { test } from "node:test";
import { deliverFieldsOf } from "../delivery/smpp/deliver.js";
import { parseReceipt } from "../delivery/smpp/receipt.js";
import { receiptPdu, receiptText } from "./outbox-pdus.js";

const receipt = {
  id: "0193a1b2-0000-7000-8000-000000000001",
  stat: "UNDELIV",
  err: 1,
  submittedAt: Date.UTC(2026, 11, 4, 9, 5),
  doneAt: Date.UTC(2026, 11, 4, 9, 7),
  text: "Grüße aus Berlin",
  handset: { ton: 1, npi: 1, addr: "491701234567" },
  esme: { ton: 5, npi: 0, addr: "Starling" },
};

test("the standard receipt text, ASCII only", () => {
  assert.equal(
    receiptText(receipt),
    "id:0193a1b2-0000-7000-8000-000000000001 sub:001 dlvrd:000 submit date:2612040905 done date:2612040907 " +
      "stat:UNDELIV err:001 text:Gr??e aus Berlin",
  );
});

test("Starling's own receipt parser reads the deliver_sm back: id, state and error from TLVs and text", () => {
  const fields = receiptPdu(receipt);
  assert.equal(fields.esm_class, 0x04);
  assert.equal(fields.message_state, 5);
  const parsed = parseReceipt(deliverFieldsOf(fields));
  assert.equal(parsed?.id, receipt.id);
  assert.equal(parsed?.state, "UNDELIV");
  assert.equal(parsed?.errorCode, 1);
});
