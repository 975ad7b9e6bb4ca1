import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Dlr, Status } from "../message.js";
import { recordFoundSubmit } from "./rules.js";
import type { DeliveryState } from "./state.js";
import {
  type AddressedReceipt,
  normaliseAddress,
  pairUnknownReceipts,
  receiptFits,
  textFits,
  type UnknownAttempt,
} from "./unknown-receipts.js";

const T0 = Date.UTC(2026, 11, 4, 18, 30, 20); // 18:30:20
const attempt = (o: Partial<UnknownAttempt> = {}): UnknownAttempt => ({
  uuid: "m1",
  partIndex: 0,
  connectorId: "smsc",
  destination: "+491701234567",
  source: "Starling",
  text: "Your code is 123456",
  sentAt: T0,
  recordedAt: T0 + 10_000,
  ...o,
});
const receipt = (o: Partial<AddressedReceipt> = {}): AddressedReceipt => ({
  connectorId: "smsc",
  source: "491701234567",
  destination: "STARLING",
  submittedAt: Date.UTC(2026, 11, 4, 18, 30), // minute resolution
  text: "Your code is 123456",
  receivedAt: T0 + 2_000,
  seq: 1,
  state: "DELIVRD",
  ...o,
});

describe("receipts of copies whose submit outcome is unknown", () => {
  it("a receipt fits by connector, addresses, text and submit date", () => {
    assert.equal(receiptFits(receipt(), attempt()), true);
    assert.equal(receiptFits(receipt({ connectorId: "other" }), attempt()), false);
    assert.equal(receiptFits(receipt({ source: "491709999999" }), attempt()), false);
    assert.equal(receiptFits(receipt({ source: null }), attempt()), false);
    assert.equal(receiptFits(receipt({ destination: "OTHER" }), attempt()), false);
    // an SMSC that leaves out the original source still matches on the rest
    assert.equal(receiptFits(receipt({ destination: null }), attempt()), true);
    assert.equal(receiptFits(receipt({ text: "Your code is 654321" }), attempt()), false);
  });

  it("a message submitted meanwhile by another copy takes only a delivered receipt", () => {
    assert.equal(receiptFits(receipt({ state: "UNDELIV" }), attempt()), true);
    assert.equal(receiptFits(receipt({ state: "UNDELIV" }), attempt({ submittedByAnother: true })), false);
    assert.equal(receiptFits(receipt(), attempt({ submittedByAnother: true })), true);
  });

  it("the submit date must fall within the unknown attempt (minutes floored, a minute of clock skew)", () => {
    const at = (h: number, m: number) => Date.UTC(2026, 11, 4, h, m);
    assert.equal(receiptFits(receipt({ submittedAt: at(18, 29) }), attempt()), true); // skew
    assert.equal(receiptFits(receipt({ submittedAt: at(18, 28) }), attempt()), false); // before it was sent
    assert.equal(receiptFits(receipt({ submittedAt: at(18, 31) }), attempt()), true);
    assert.equal(receiptFits(receipt({ submittedAt: at(18, 32) }), attempt()), false); // after it was given up
    // no submit date: it must have come after the attempt was sent
    assert.equal(receiptFits(receipt({ submittedAt: null }), attempt()), true);
    assert.equal(receiptFits(receipt({ submittedAt: null, receivedAt: T0 - 3_600_000 }), attempt()), false);
  });

  it("addresses compare without +, 00 or case", () => {
    assert.equal(normaliseAddress("+491701234567"), "491701234567");
    assert.equal(normaliseAddress("00491701234567"), "491701234567");
    assert.equal(normaliseAddress(" Starling "), "STARLING");
  });

  it("the receipt text is the start of the part's text, ? for any character, at most 20 compared", () => {
    assert.equal(textFits("Grüße aus", "Grüße aus Berlin"), true);
    assert.equal(textFits("Gr??e aus", "Grüße aus Berlin"), true);
    assert.equal(textFits("Grosse aus", "Grüße aus Berlin"), false);
    assert.equal(textFits(null, "anything"), true);
    assert.equal(textFits("", "anything"), true);
    assert.equal(textFits("Hello\0\0", "Hello world"), true);
    assert.equal(textFits("Hello world, this is a longer text", "Hello world, this is"), true);
    assert.equal(textFits("Hello there", "Hello"), false);
  });

  it("pairs the oldest unknown attempt with the oldest fitting receipt, one receipt per part", () => {
    const older = attempt({ uuid: "b-older", sentAt: T0 });
    const newer = attempt({ uuid: "a-newer", sentAt: T0 + 1_000 });
    const r1 = receipt({ seq: 1 });
    const r2 = receipt({ seq: 2 });
    const pairs = pairUnknownReceipts([newer, older], [r2, r1]);
    assert.deepEqual(
      pairs.map((p) => [p.attempt.uuid, p.receipt.seq]),
      [
        ["b-older", 1],
        ["a-newer", 2],
      ],
    );
    // two unknown attempts of one part (retried, unanswered twice) take one receipt: the other copy's waits
    const again = attempt({ sentAt: T0 + 5_000 });
    assert.equal(pairUnknownReceipts([attempt(), again], [r1, r2]).length, 1);
    // nothing fits: nothing paired
    assert.deepEqual(pairUnknownReceipts([attempt()], [receipt({ text: "other" })]), []);
  });

  it("a found copy submits a message unsent or given up unsubmitted, never a submitted or cancelled one", () => {
    const m = (statusCode: number, dlrCode: number): DeliveryState => ({
      uuid: "m1",
      accountId: 1,
      keyId: null,
      callbackData: null,
      statusCode,
      dlrCode,
      partsCount: 1,
      isTextDeleted: false,
    });
    assert.equal(recordFoundSubmit(m(Status.NEW, Dlr.NONE), 5)?.change.statusCode, Status.TRANSMITTED);
    assert.equal(recordFoundSubmit(m(Status.NEW, Dlr.EXPIRED), 5)?.change.dlrCode, Dlr.EN_ROUTE);
    assert.equal(
      recordFoundSubmit(m(Status.BLOCKED, Dlr.REJECTED), 5)?.change.statusCode,
      Status.TRANSMITTED,
    );
    assert.equal(recordFoundSubmit(m(Status.TRANSMITTED, Dlr.EN_ROUTE), 5), undefined);
    assert.equal(recordFoundSubmit(m(Status.TRANSMITTED, Dlr.DELIVERED), 5), undefined);
    assert.equal(recordFoundSubmit(m(Status.CANCELLED, Dlr.NONE), 5), undefined);
  });
});
