import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { encodeText, fromGsm7Septets, toGsm7Septets } from "../../src/core/encoding/index.js";
import { SMPP_CONNECTOR_DEFAULTS } from "../../src/delivery/smpp/config.js";
import { buildSubmitPdus, relativeValidity, type SubmitPduOptions } from "../../src/delivery/smpp/pdu.js";
import { decodeBody, encodeBody } from "../../src/delivery/smpp/text-codec.js";
import { splitUserData } from "../../src/delivery/smpp/udh.js";
import { request } from "./helpers.js";

const options: SubmitPduOptions = { ...SMPP_CONNECTOR_DEFAULTS };

describe("submit_sm mapping", () => {
  test("single GSM part: addresses, coding, receipt flag, short_message as built octets", () => {
    const [pdu, ...rest] = buildSubmitPdus(request("Hello [world]"), options);
    assert.equal(rest.length, 0);
    assert.equal(pdu?.source_addr, "Starling");
    assert.deepEqual([pdu?.source_addr_ton, pdu?.source_addr_npi], [5, 0]);
    assert.equal(pdu?.destination_addr, "491701234567");
    assert.deepEqual([pdu?.dest_addr_ton, pdu?.dest_addr_npi], [1, 1]);
    assert.equal(pdu?.esm_class, 0);
    assert.equal(pdu?.data_coding, 0);
    assert.equal(pdu?.registered_delivery, 1);
    assert.equal(pdu?.validity_period, "");
    assert.deepEqual(pdu?.short_message, Buffer.from(toGsm7Septets("Hello [world]")));
    assert.equal(pdu?.sar_msg_ref_num, undefined);
  });

  test("sender kinds pick TON/NPI; configurable per kind", () => {
    const ton = (source: string, opts = options) => {
      const [pdu] = buildSubmitPdus(request("x", { source }), opts);
      return [pdu?.source_addr, pdu?.source_addr_ton, pdu?.source_addr_npi];
    };
    assert.deepEqual(ton("MyShop 24"), ["MyShop 24", 5, 0]);
    assert.deepEqual(ton("+491701234567"), ["491701234567", 1, 1]);
    assert.deepEqual(ton("491701234567"), ["491701234567", 1, 1]);
    assert.deepEqual(ton("12345"), ["12345", 3, 0]);
    assert.deepEqual(ton("123"), ["123", 3, 0]);
    const custom = { ...options, sourceTon: { ...options.sourceTon, shortCode: 0 } };
    assert.deepEqual(ton("12345", custom), ["12345", 0, 0]);
  });

  test("registered_delivery 0 unless asked; validity as relative time", () => {
    const [pdu] = buildSubmitPdus(
      request("x", { registeredDelivery: false, validitySeconds: 3600 }),
      options,
    );
    assert.equal(pdu?.registered_delivery, 0);
    assert.equal(pdu?.validity_period, "000000010000000R");
    assert.equal(relativeValidity(2 * 86400 + 3 * 3600 + 4 * 60 + 5), "000002030405000R");
    assert.equal(relativeValidity(400 * 86400), "010110000000000R", "400 days = 1 year 1 month 10 days");
  });

  test("destination must be a number", () => {
    assert.throws(() => buildSubmitPdus(request("x", { destination: "+49abc" }), options), /not a number/);
  });

  test("multipart with UDH: one PDU per part, same reference, 05 00 03 ref total seq, esm_class 0x40", () => {
    const text = "Lorem ipsum dolor sit amet {}[]~ ".repeat(12);
    const req = request(text);
    assert.equal(req.parts.length, 3);
    const pdus = buildSubmitPdus(req, options);
    assert.equal(pdus.length, 3);
    const refs = new Set<number>();
    pdus.forEach((pdu, i) => {
      const data = pdu.short_message as Buffer;
      assert.equal(pdu.esm_class, 0x40);
      assert.deepEqual([...data.subarray(0, 3)], [0x05, 0x00, 0x03]);
      assert.deepEqual([data[4], data[5]], [3, i + 1]);
      refs.add(data[3]!);
      assert.equal(fromGsm7Septets(data.subarray(6)), req.parts[i]);
    });
    assert.equal(refs.size, 1);
    const again = buildSubmitPdus({ ...req }, options);
    assert.equal((again[0]!.short_message as Buffer)[3], [...refs][0], "a retry reuses the reference");
  });

  test("multipart with SAR TLVs: no UDH, esm_class 0", () => {
    const req = request("x".repeat(200));
    const pdus = buildSubmitPdus(req, { ...options, concatenation: "sar" });
    assert.equal(pdus.length, 2);
    pdus.forEach((pdu, i) => {
      assert.equal(pdu.esm_class, 0);
      assert.equal(pdu.sar_total_segments, 2);
      assert.equal(pdu.sar_segment_seqnum, i + 1);
      assert.equal(pdu.sar_msg_ref_num, pdus[0]?.sar_msg_ref_num);
      assert.equal((pdu.short_message as Buffer).length, req.parts[i]!.length);
    });
  });

  test("UCS-2 with emoji: data_coding 8, surrogate pairs kept whole in each part", () => {
    const text = `${"Привет 😀 ".repeat(10)}`;
    const req = request(text);
    assert.equal(req.encoding, "ucs2");
    const pdus = buildSubmitPdus(req, options);
    assert.equal(pdus.length, req.parts.length);
    let joined = "";
    for (const pdu of pdus) {
      assert.equal(pdu.data_coding, 8);
      const { body } = splitUserData(pdu.short_message as Buffer, true);
      assert.ok(body.length <= 134);
      joined += Buffer.from(body).swap16().toString("utf16le");
    }
    assert.equal(joined, text);
  });

  test("a part over 254 octets goes into message_payload", () => {
    const req = { ...request("x"), parts: ["y".repeat(300)] };
    const [pdu] = buildSubmitPdus(req, options);
    assert.equal((pdu!.short_message as Buffer).length, 0);
    assert.equal((pdu!.message_payload as Buffer).length, 300);
  });

  test("more than 255 parts is refused", () => {
    const req = { ...request("x"), parts: new Array(256).fill("a") };
    assert.throws(() => buildSubmitPdus(req, options), /255/);
  });

  test("a non-GSM character in a GSM part becomes ?", () => {
    const req = { ...request("x"), encoding: "gsm7" as const, parts: ["a😀b"] };
    const [pdu] = buildSubmitPdus(req, options);
    assert.equal(fromGsm7Septets(pdu?.short_message as Buffer), "a?b");
  });
});

describe("alphabets on the wire", () => {
  const packed = { gsm7Packing: "packed", defaultAlphabet: "gsm7" } as const;

  test("packed GSM round-trips for every length mod 8, with and without a UDH", () => {
    for (let n = 1; n <= 17; n++) {
      for (const udh of [0, 6, 7]) {
        const text = "abcdefghijklmnopq".slice(0, n);
        const { body } = encodeBody(text, "gsm7", packed, udh);
        assert.equal(decodeBody(body, 0, packed, udh), text, `${n} septets after ${udh} UDH octets`);
      }
    }
  });

  test("packed: 7 septets leave 7 spare bits, filled with CR and dropped on decode", () => {
    const { body } = encodeBody("1234567", "gsm7", packed);
    assert.equal(body.length, 7);
    assert.equal(decodeBody(body, 0, packed), "1234567");
  });

  test("packed: a text ending in @ is not mistaken for fill", () => {
    const { body } = encodeBody("1234567@", "gsm7", packed);
    assert.equal(decodeBody(body, 0, packed), "1234567@");
  });

  test("160 GSM characters pack into 140 octets", () => {
    const { body } = encodeBody("a".repeat(160), "gsm7", packed);
    assert.equal(body.length, 140);
  });

  test("Latin-1 as the default alphabet", () => {
    const latin = { gsm7Packing: "unpacked", defaultAlphabet: "latin1" } as const;
    const { dataCoding, body } = encodeBody("Grüße", "gsm7", latin);
    assert.equal(dataCoding, 0);
    assert.deepEqual(body, Buffer.from("Grüße", "latin1"));
  });

  test("GSM DCS coding groups decode by their alphabet bits", () => {
    const unpacked = { gsm7Packing: "unpacked", defaultAlphabet: "gsm7" } as const;
    const ucs2 = Buffer.from("Ж", "utf16le").swap16();
    assert.equal(decodeBody(ucs2, 0x18, unpacked), "Ж", "0x18: UCS-2 with message class");
    assert.equal(decodeBody(Buffer.from(toGsm7Septets("ok")), 0xf0, unpacked), "ok", "0xF0: GSM, class 0");
  });

  test("core segmentation and the wire agree for a GSM text of 161 characters", () => {
    const encoded = encodeText("a".repeat(161));
    assert.deepEqual(
      encoded.parts.map((p) => p.length),
      [153, 8],
    );
  });
});
