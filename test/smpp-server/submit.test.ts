/**
 * Customers' ESMEs bind to Starling's SMPP server and send like any API client: binds and credentials,
 * submit_sm through the acceptance path (codings, concatenation, times, errors), query_sm and cancel_sm,
 * receipts and inbound messages as deliver_sm. A real gateway with the simulator as its network, over
 * every store.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { toUcs2 } from "../../src/core/encoding/index.js";
import { rawOctets } from "../../src/delivery/smpp/lib.js";
import { Status } from "../../src/delivery/smpp/status.js";
import { http, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";
import { eventually } from "../helpers/webhook-receiver.js";
import { gsm, SMPP_SERVER_ON, smppLogin, TestEsme } from "./esme.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

for (const target of storeTargets) {
  describe(`SMPP server: submit_sm (${target.name})`, { skip: target.skip }, () => {
    let gw: TestGateway;
    let login: { systemId: string; password: string };
    const esmes: TestEsme[] = [];
    const port = () => gw.gateway.smppServer!.port;
    const bound = async (type: "transceiver" | "transmitter" | "receiver" = "transceiver") => {
      const esme = await TestEsme.connect(port());
      esmes.push(esme);
      const resp = await esme.bind(type, login.systemId, login.password);
      assert.equal(resp.command_status, 0, "bind accepted");
      return esme;
    };
    const get = async (uuid: string) =>
      (
        await http(gw.url, "GET", `/sms/${uuid}`, {
          headers: { "X-LOX24-AUTH-TOKEN": gw.token, Accept: "application/json" },
        })
      ).body;

    before(async () => {
      gw = await startTestGateway(target, { overrides: SMPP_SERVER_ON, balance: 10 });
      login = await smppLogin(gw);
    });
    after(async () => {
      for (const e of esmes) await e.close();
      await gw.stop();
    });

    it("accepts a GSM submit_sm; its id is the message's uuid in GET /sms and in the receipt", async () => {
      const esme = await bound();
      const resp = await esme.submit({ short_message: gsm("Hello over SMPP"), registered_delivery: 1 });
      assert.equal(resp.command_status, 0);
      const id = String(resp.message_id);
      assert.match(id, UUID);
      const m = await get(id);
      assert.equal(m.text, "Hello over SMPP");
      assert.equal(m.phone, "+491701234567");
      assert.equal(m.sender_id, "Starling");
      await eventually(() => esme.delivers.find((d) => d.receipted_message_id === id));
      const receipt = esme.delivers.find((d) => d.receipted_message_id === id)!;
      assert.equal(receipt.esm_class, 0x04);
      assert.equal(receipt.message_state, 2);
      const text = rawOctets(receipt.short_message)!.toString("latin1");
      assert.match(
        text,
        new RegExp(
          `^id:${id} sub:001 dlvrd:001 submit date:\\d{10} done date:\\d{10} stat:DELIVRD err:000 text:Hello over SMPP$`,
        ),
      );
      assert.equal(receipt.destination_addr, "Starling", "the receipt goes back to the sender address");
      assert.equal(receipt.source_addr, "491701234567");
      assert.equal((await get(id)).dlr_code, 1);
      // The receipt is removed once acknowledged.
      await eventually(async () => {
        const left = await gw.gateway.store.smppServer.claim([gw.accountId], Date.now(), 10, 1);
        return left.length === 0 ? true : undefined;
      });
    });

    it("is visible through both dialects: in LOX24's GET /sms and in FullSMS's balance", async () => {
      const balance = async () =>
        (
          await http(gw.url, "GET", "/account/balance", {
            headers: { Authorization: `Bearer ${gw.token.replace(":", "|")}` },
          })
        ).body.balance as number;
      const before = await balance();
      const esme = await bound("transmitter");
      const resp = await esme.submit({ short_message: gsm("seen everywhere") });
      const list = await http(gw.url, "GET", "/sms", {
        headers: { "X-LOX24-AUTH-TOKEN": gw.token, Accept: "application/json" },
      });
      const listed = (list.body as { uuid: string; price: number }[]).find((m) => m.uuid === resp.message_id);
      assert.ok(listed, "listed by GET /sms");
      assert.ok(Math.abs(before - (await balance()) - 0.07) < 1e-9, "debited one part at the default price");
    });

    it("reads UCS-2, Latin-1 and message_payload, and a national number in the account's country", async () => {
      const esme = await bound("transmitter");
      const ucs2 = await esme.submit({ data_coding: 8, short_message: Buffer.from(toUcs2("Привет 👋")) });
      assert.equal(ucs2.command_status, 0);
      assert.equal((await get(String(ucs2.message_id))).text, "Привет 👋");
      const latin1 = await esme.submit({ data_coding: 3, short_message: Buffer.from("Grüße", "latin1") });
      assert.equal((await get(String(latin1.message_id))).text, "Grüße");
      const long = "x".repeat(300);
      const payload = await esme.submit({ short_message: Buffer.alloc(0), message_payload: gsm(long) });
      const m = await get(String(payload.message_id));
      assert.equal(m.text, long);
      assert.equal(m.sms_count ?? m.parts_count ?? 2, 2);
      const national = await esme.submit({
        dest_addr_ton: 2,
        dest_addr_npi: 1,
        destination_addr: "01701234567",
        short_message: gsm("national"),
      });
      assert.equal((await get(String(national.message_id))).phone, "+491701234567");
    });

    it("joins concatenated parts (UDH 8-bit, UDH 16-bit, SAR) into one message answered with one id", async () => {
      const esme = await bound("transmitter");
      const udh8 = (seq: number) => Buffer.from([5, 0, 3, 0x42, 2, seq]);
      const udh16 = (seq: number) => Buffer.from([6, 8, 4, 0x12, 0x34, 2, seq]);
      const cases = [
        [
          { esm_class: 0x40, short_message: Buffer.concat([udh8(2), gsm("world")]) },
          { esm_class: 0x40, short_message: Buffer.concat([udh8(1), gsm("Hello ")]) },
        ],
        [
          { esm_class: 0x40, short_message: Buffer.concat([udh16(1), gsm("Hello ")]) },
          { esm_class: 0x40, short_message: Buffer.concat([udh16(2), gsm("world")]) },
        ],
        [
          {
            sar_msg_ref_num: 777,
            sar_total_segments: 2,
            sar_segment_seqnum: 1,
            short_message: gsm("Hello "),
          },
          { sar_msg_ref_num: 777, sar_total_segments: 2, sar_segment_seqnum: 2, short_message: gsm("world") },
        ],
      ];
      for (const parts of cases) {
        const resps = await Promise.all(parts.map((p) => esme.submit(p)));
        assert.deepEqual(
          resps.map((r) => r.command_status),
          [0, 0],
        );
        assert.equal(resps[0]!.message_id, resps[1]!.message_id, "both parts carry the one message's id");
        assert.equal((await get(String(resps[0]!.message_id))).text, "Hello world");
      }
    });

    it("answers a retransmitted part too, with the same message id, and stores one message", async () => {
      const esme = await bound("transmitter");
      const udh = (seq: number) => Buffer.from([5, 0, 3, 0x77, 2, seq]);
      const first = esme.submit({ esm_class: 0x40, short_message: Buffer.concat([udh(1), gsm("once ")]) });
      const again = esme.submit({ esm_class: 0x40, short_message: Buffer.concat([udh(1), gsm("once ")]) });
      const last = esme.submit({ esm_class: 0x40, short_message: Buffer.concat([udh(2), gsm("only")]) });
      const resps = await Promise.all([first, again, last]);
      assert.deepEqual(
        resps.map((r) => r.command_status),
        [0, 0, 0],
      );
      assert.equal(new Set(resps.map((r) => r.message_id)).size, 1);
      assert.equal((await get(String(resps[0]!.message_id))).text, "once only");
    });

    it("honours schedule_delivery_time and refuses bad or past times", async () => {
      const esme = await bound("transmitter");
      const later = await esme.submit({
        short_message: gsm("later"),
        schedule_delivery_time: "000001000000000R",
      });
      assert.equal(later.command_status, 0);
      const m = await get(String(later.message_id));
      assert.equal(m.dlr_code, 2, "scheduled");
      assert.ok(Math.abs(m.delivery_at - (Date.now() / 1000 + 86_400)) < 120, "a day from now");
      const badSchedule = await esme.submit({ short_message: gsm("x"), schedule_delivery_time: "nonsense" });
      assert.equal(badSchedule.command_status, Status.ESME_RINVSCHED);
      const past = await esme.submit({ short_message: gsm("x"), validity_period: "200101000000000+" });
      assert.equal(past.command_status, Status.ESME_RINVEXPIRY);
      const badValidity = await esme.submit({ short_message: gsm("x"), validity_period: "261301000000000+" }); // month 13
      assert.equal(badValidity.command_status, Status.ESME_RINVEXPIRY);
    });

    it("maps refusals to command_status: destination, source, length, balance, disabled account", async () => {
      const esme = await bound("transmitter");
      assert.equal(
        (await esme.submit({ destination_addr: "12", short_message: gsm("x") })).command_status,
        Status.ESME_RINVDSTADR,
      );
      assert.equal(
        (await esme.submit({ source_addr: "FarTooLongSenderName", short_message: gsm("x") })).command_status,
        Status.ESME_RINVSRCADR,
      );
      const tooLong = await esme.submit({
        short_message: Buffer.alloc(0),
        message_payload: gsm("y".repeat(1600)),
      });
      assert.equal(tooLong.command_status, Status.ESME_RINVMSGLEN);

      const poor = await gw.newAccount({ balance: 0 });
      const poorLogin = await smppLogin(gw, poor.keyId);
      const poorEsme = await TestEsme.connect(port());
      esmes.push(poorEsme);
      assert.equal(
        (await poorEsme.bind("transmitter", poorLogin.systemId, poorLogin.password)).command_status,
        0,
      );
      assert.equal(
        (await poorEsme.submit({ short_message: gsm("x") })).command_status,
        Status.ESME_RSUBMITFAIL,
      );

      await gw.gateway.store.accounts.update(poor.accountId, { status: "disabled" });
      assert.equal(
        (await poorEsme.submit({ short_message: gsm("x") })).command_status,
        Status.ESME_RSUBMITFAIL,
      );
      await eventually(() => (poorEsme.closed ? true : undefined));
      const again = await TestEsme.connect(port());
      esmes.push(again);
      assert.equal(
        (await again.bind("transmitter", poorLogin.systemId, poorLogin.password)).command_status,
        Status.ESME_RBINDFAIL,
      );
    });

    it("query_sm reads and cancel_sm cancels with DELETE /sms rules; another account's message is not found", async () => {
      const esme = await bound("transmitter");
      const sent = await esme.submit({
        short_message: gsm("cancel me"),
        schedule_delivery_time: "000002000000000R",
      });
      const id = String(sent.message_id);
      const q1 = await esme.request("query_sm", { message_id: id, source_addr: "Starling" });
      assert.equal(q1.command_status, 0);
      assert.equal(q1.message_state, 1, "ENROUTE while scheduled");
      const c = await esme.request("cancel_sm", {
        message_id: id,
        source_addr: "Starling",
        destination_addr: "491701234567",
      });
      assert.equal(c.command_status, 0);
      const q2 = await esme.request("query_sm", { message_id: id, source_addr: "Starling" });
      assert.equal(q2.message_state, 4, "DELETED");
      assert.equal((await get(id)).status_code, 6000);
      const c2 = await esme.request("cancel_sm", {
        message_id: id,
        source_addr: "Starling",
        destination_addr: "491701234567",
      });
      assert.equal(c2.command_status, 0x11, "ESME_RCANCELFAIL");

      const other = await gw.newAccount();
      const otherLogin = await smppLogin(gw, other.keyId);
      const intruder = await TestEsme.connect(port());
      esmes.push(intruder);
      await intruder.bind("transmitter", otherLogin.systemId, otherLogin.password);
      assert.equal(
        (await intruder.request("query_sm", { message_id: id })).command_status,
        0x67,
        "ESME_RQUERYFAIL",
      );
      assert.equal((await intruder.request("cancel_sm", { message_id: id })).command_status, 0x11);
    });

    it("delivers an inbound SMS to a number the account owns to its receiver", async () => {
      const receiver = await bound("receiver");
      await gw.gateway.store.fullsms.numbers.add(gw.accountId, "491709999999", "DE", Date.now());
      await gw.gateway.delivery.simulator!.sendInbound({
        from: "491701111111",
        to: "491709999999",
        text: "Hi there",
      });
      const mo = await eventually(() => receiver.delivers.find((d) => d.esm_class === 0));
      assert.equal(rawOctets(mo.short_message)!.toString("latin1"), "Hi there");
      assert.equal(mo.source_addr, "491701111111");
      assert.equal(mo.destination_addr, "491709999999");
    });
  });
}
