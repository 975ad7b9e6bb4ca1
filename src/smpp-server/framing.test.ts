import assert from "node:assert/strict";
import { test } from "node:test";
import { createPdu } from "../delivery/smpp/lib.js";
import { submitTimes } from "./framing.js";

const bytes = (fields: Record<string, unknown>) =>
  (
    createPdu("submit_sm", {
      source_addr: "S",
      destination_addr: "491701234567",
      short_message: Buffer.from("x"),
      ...fields,
    }) as unknown as {
      toBuffer(): Buffer;
    }
  ).toBuffer();

test("schedule_delivery_time and validity_period are read as sent", () => {
  assert.deepEqual(
    submitTimes(bytes({ schedule_delivery_time: "000001000000000R", validity_period: "261224180000004+" })),
    { schedule: "000001000000000R", validity: "261224180000004+" },
  );
  assert.deepEqual(submitTimes(bytes({})), { schedule: "", validity: "" });
});

test("a truncated PDU yields empty times rather than an exception", () => {
  const full = bytes({ schedule_delivery_time: "000001000000000R" });
  assert.deepEqual(submitTimes(full.subarray(0, 20)), { schedule: "", validity: "" });
});
