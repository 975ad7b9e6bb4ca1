import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type DeliverFields, isReceiptEsmClass } from "../../src/delivery/smpp/deliver.js";
import { decodeInbound } from "../../src/delivery/smpp/inbound.js";
import { normaliseSmscId } from "../../src/delivery/smpp/message-id.js";
import {
  parseErrorCode,
  parseReceipt,
  parseReceiptDate,
  parseReceiptText,
  stateFromName,
} from "../../src/delivery/smpp/receipt.js";
import { encodeBody } from "../../src/delivery/smpp/text-codec.js";

function deliver(text: string | Buffer, extra: Partial<DeliverFields> = {}): DeliverFields {
  return {
    esmClass: 0x04,
    dataCoding: 0,
    sourceAddr: "491701234567",
    sourceTon: 1,
    sourceNpi: 1,
    destAddr: "Starling",
    destTon: 5,
    destNpi: 0,
    shortMessage: Buffer.isBuffer(text) ? text : Buffer.from(text, "latin1"),
    ...extra,
  };
}

describe("receipt text", () => {
  test("SMPP 3.4 Appendix B form, every field", () => {
    const r = parseReceipt(
      deliver(
        "id:1234567890 sub:001 dlvrd:001 submit date:2401151230 done date:2401151231 stat:DELIVRD err:000 text:Hello world",
      ),
    );
    assert.deepEqual(r, {
      id: "1234567890",
      state: "DELIVRD",
      errorCode: 0,
      submittedAt: new Date(Date.UTC(2024, 0, 15, 12, 30)),
      doneAt: new Date(Date.UTC(2024, 0, 15, 12, 31)),
      submitted: 1,
      delivered: 1,
      text: "Hello world",
    });
  });

  const variants: [string, string, Partial<ReturnType<typeof parseReceiptText>>][] = [
    [
      "upper-case keys",
      "ID:ab12 SUB:001 DLVRD:000 SUBMIT DATE:2401151230 DONE DATE:2401151231 STAT:UNDELIV ERR:034 TEXT:x",
      { id: "ab12", stat: "UNDELIV", err: "034" },
    ],
    [
      "mixed case Text:",
      "id:7 sub:1 dlvrd:1 submit date:2401151230 done date:2401151231 stat:DELIVRD err:0 Text:Hi",
      { id: "7", text: "Hi" },
    ],
    [
      "underscored dates",
      "id:9 submit_date:240115123059 done_date:240115123100 stat:EXPIRED",
      { submitDate: "240115123059", doneDate: "240115123100", stat: "EXPIRED" },
    ],
    ["only id and stat", "id:0A1B2C3D stat:DELIVRD", { id: "0A1B2C3D", stat: "DELIVRD" }],
    [
      "no text field",
      "id:55 sub:001 dlvrd:001 submit date:2401151230 done date:2401151231 stat:DELIVRD err:000",
      { err: "000", text: undefined },
    ],
    [
      "uuid id",
      "id:7f3c5b2e-1d4a-4c5e-9f00-0123456789ab sub:001 stat:ACCEPTD",
      { id: "7f3c5b2e-1d4a-4c5e-9f00-0123456789ab", stat: "ACCEPTD" },
    ],
    [
      "text containing keys",
      "id:1 stat:DELIVRD err:000 text:id:2 stat:REJECTD",
      { id: "1", stat: "DELIVRD", text: "id:2 stat:REJECTD" },
    ],
    ["extra spaces", "id: 42  sub: 001  stat: DELIVRD  err: 000", { id: "42", stat: "DELIVRD", err: "000" }],
    ["empty text", "id:42 stat:DELIVRD err:000 text:", { text: "" }],
  ];
  for (const [name, text, expected] of variants) {
    test(name, () => {
      const parsed = parseReceiptText(text);
      for (const [key, value] of Object.entries(expected)) {
        assert.equal(parsed[key as keyof typeof parsed], value, `${key} of "${text}"`);
      }
    });
  }

  test("stat spellings map to SMPP states", () => {
    const cases: [string, string][] = [
      ["DELIVRD", "DELIVRD"],
      ["delivered", "DELIVRD"],
      ["UNDELIVERABLE", "UNDELIV"],
      ["FAILED", "UNDELIV"],
      ["REJECTED", "REJECTD"],
      ["ACCEPTED", "ACCEPTD"],
      ["EXPIRED", "EXPIRED"],
      ["DELETED", "DELETED"],
      ["ENROUTE", "ENROUTE"],
      ["2", "DELIVRD"],
      ["8", "REJECTD"],
      ["WEIRD", "UNKNOWN"],
    ];
    for (const [input, state] of cases) assert.equal(stateFromName(input), state, input);
  });

  test("dates: 10, 12 and 14 digits; nonsense ignored", () => {
    assert.deepEqual(parseReceiptDate("2401151230"), new Date(Date.UTC(2024, 0, 15, 12, 30)));
    assert.deepEqual(parseReceiptDate("240115123045"), new Date(Date.UTC(2024, 0, 15, 12, 30, 45)));
    assert.deepEqual(parseReceiptDate("20240115123045"), new Date(Date.UTC(2024, 0, 15, 12, 30, 45)));
    assert.equal(parseReceiptDate("2413151230"), undefined);
    assert.equal(parseReceiptDate("24011512"), undefined);
    assert.equal(parseReceiptDate(undefined), undefined);
  });

  test("err: decimal, padded, hex", () => {
    assert.equal(parseErrorCode("000"), 0);
    assert.equal(parseErrorCode("034"), 34);
    assert.equal(parseErrorCode("0x1A"), 26);
    assert.equal(parseErrorCode("00B"), 11);
    assert.equal(parseErrorCode("n/a"), undefined);
  });
});

describe("receipt TLVs", () => {
  test("TLVs win over the text", () => {
    const r = parseReceipt(
      deliver("id:999 stat:UNDELIV err:001 done date:2401151231", {
        receiptedMessageId: "ABC123",
        messageState: 2,
        networkErrorCode: Buffer.from([3, 0x00, 0x22]),
      }),
    );
    assert.equal(r?.id, "ABC123");
    assert.equal(r?.state, "DELIVRD");
    assert.equal(r?.errorCode, 0x22);
    assert.deepEqual(
      r?.doneAt,
      new Date(Date.UTC(2024, 0, 15, 12, 31)),
      "fields only in the text still count",
    );
  });

  test("TLVs alone, empty short_message", () => {
    const r = parseReceipt(deliver("", { receiptedMessageId: "77", messageState: 8 }));
    assert.deepEqual(r, { id: "77", state: "REJECTD" });
  });

  test("receipted_message_id sent without NUL runs into the next TLV: cut off", () => {
    const r = parseReceipt(deliver("", { receiptedMessageId: "ABC\u0004'\u0000", messageState: 2 }));
    assert.equal(r?.id, "ABC");
  });

  test("message_state without a stat in the text", () => {
    const r = parseReceipt(deliver("id:5", { messageState: 3 }));
    assert.equal(r?.state, "EXPIRED");
  });

  test("no id anywhere: not a usable receipt", () => {
    assert.equal(parseReceipt(deliver("stat:DELIVRD err:000")), undefined);
  });

  test("receipt text in UCS-2 and in message_payload", () => {
    const text = "id:88 stat:DELIVRD err:000";
    const ucs2 = parseReceipt(deliver(Buffer.from(text, "utf16le").swap16(), { dataCoding: 8 }));
    assert.equal(ucs2?.id, "88");
    const payload = parseReceipt(deliver("", { messagePayload: Buffer.from("id:89 stat:EXPIRED") }));
    assert.deepEqual([payload?.id, payload?.state], ["89", "EXPIRED"]);
  });

  test("esm_class: receipt bits 2–5", () => {
    assert.equal(isReceiptEsmClass(0x04), true);
    assert.equal(isReceiptEsmClass(0x44), true, "receipt with UDHI");
    assert.equal(isReceiptEsmClass(0x20), true, "intermediate notification");
    assert.equal(isReceiptEsmClass(0x00), false);
    assert.equal(isReceiptEsmClass(0x40), false);
    assert.equal(isReceiptEsmClass(0x08), false, "SME delivery acknowledgement is not an SMSC receipt");
  });
});

describe("message id normalisation", () => {
  test("hex: case and zero padding", () => {
    assert.equal(normaliseSmscId("000A1B2C", "hex"), "a1b2c");
    assert.equal(normaliseSmscId("a1b2c", "hex"), "a1b2c");
    assert.equal(normaliseSmscId("0x0A1B2C", "hex"), "a1b2c");
  });

  test("decimal: zero padding", () => {
    assert.equal(normaliseSmscId("0000012345", "decimal"), "12345");
    assert.equal(normaliseSmscId("12345", "decimal"), "12345");
  });

  test("submit_sm_resp in hex, receipt in decimal: both land on the receipt's form", () => {
    const fromResp = normaliseSmscId("1A2B3C00", "hex", "decimal");
    const fromReceipt = normaliseSmscId("0439041024", "decimal", "decimal");
    assert.equal(fromResp, fromReceipt);
    assert.equal(normaliseSmscId("439041024", "decimal", "hex"), normaliseSmscId("1a2b3c00", "hex"));
  });

  test("ids beyond 2^53 keep every digit", () => {
    assert.equal(normaliseSmscId("FFFFFFFFFFFFFFFFFF", "hex", "decimal"), "4722366482869645213695");
  });

  test("raw keeps the id; non-numbers survive the numeric formats", () => {
    assert.equal(normaliseSmscId(" 00AbC ", "raw"), "00AbC");
    assert.equal(normaliseSmscId("msg-42", "decimal"), "msg-42");
    assert.equal(normaliseSmscId("7F3C5B2E-1D4A", "hex"), "7f3c5b2e-1d4a");
  });
});

describe("inbound (MO) deliver_sm", () => {
  const alphabet = { gsm7Packing: "unpacked", defaultAlphabet: "gsm7" } as const;

  test("GSM unpacked with escapes; international sender gets its +", () => {
    const { body } = encodeBody("Hi [there] €5", "gsm7", alphabet);
    const part = decodeInbound(deliver(body, { esmClass: 0, destAddr: "12345", destTon: 3 }), alphabet);
    assert.deepEqual(part, { from: "+491701234567", to: "12345", text: "Hi [there] €5" });
  });

  test("UCS-2 part with UDH: header removed, concat info kept", () => {
    const udh = Buffer.from([5, 0, 3, 0x2a, 2, 1]);
    const part = decodeInbound(
      deliver(Buffer.concat([udh, Buffer.from("Ж😀", "utf16le").swap16()]), {
        esmClass: 0x40,
        dataCoding: 8,
      }),
      alphabet,
    );
    assert.equal(part.text, "Ж😀");
    assert.deepEqual(part.concat, { ref: 0x2a, total: 2, seq: 1 });
  });

  test("16-bit reference UDH and SAR TLVs", () => {
    const udh = Buffer.from([6, 8, 4, 0x12, 0x34, 3, 2]);
    const part = decodeInbound(
      deliver(Buffer.concat([udh, Buffer.from("abc")]), { esmClass: 0x40 }),
      alphabet,
    );
    assert.deepEqual(part.concat, { ref: 0x1234, total: 3, seq: 2 });
    const sar = decodeInbound(deliver("abc", { esmClass: 0, sar: { ref: 9, total: 2, seq: 2 } }), alphabet);
    assert.deepEqual(sar.concat, { ref: 9, total: 2, seq: 2 });
  });

  test("packed GSM after a UDH (1 fill bit)", () => {
    const packed = { gsm7Packing: "packed", defaultAlphabet: "gsm7" } as const;
    const udh = Buffer.from([5, 0, 3, 1, 2, 2]);
    const { body } = encodeBody("packed {text}", "gsm7", packed, udh.length);
    const part = decodeInbound(deliver(Buffer.concat([udh, body]), { esmClass: 0x40 }), packed);
    assert.equal(part.text, "packed {text}");
  });

  test("Latin-1 (data_coding 3) and an SMSC whose default alphabet is Latin-1", () => {
    const latin = decodeInbound(
      deliver(Buffer.from("Grüße", "latin1"), { esmClass: 0, dataCoding: 3 }),
      alphabet,
    );
    assert.equal(latin.text, "Grüße");
    const asDefault = decodeInbound(deliver(Buffer.from("Grüße", "latin1"), { esmClass: 0 }), {
      gsm7Packing: "unpacked",
      defaultAlphabet: "latin1",
    });
    assert.equal(asDefault.text, "Grüße");
  });

  test("a UDH length beyond the data is treated as no header", () => {
    const part = decodeInbound(deliver(Buffer.from([0x50, 0x41, 0x42]), { esmClass: 0x40 }), alphabet);
    assert.equal(part.concat, undefined);
    assert.equal(part.text.length, 3);
  });
});
