/** LOX24 POST /sms and GET /sms/{uuid} on a real server, over every store: the seed's examples and errors. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { http, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

for (const target of storeTargets) {
  describe(`LOX24 /sms (${target.name})`, { skip: target.skip }, () => {
    let gw: TestGateway;
    const auth = () => ({ "X-LOX24-AUTH-TOKEN": gw.token });
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      http(gw.url, "POST", "/sms", { body, headers: { ...auth(), ...headers } });

    before(async () => {
      gw = await startTestGateway(target);
      await gw.gateway.store.prices.set("US", 56_000); // 0.056 per part, as in the seed's response
      await gw.gateway.store.prices.set("DE", 65_000);
    });
    after(() => gw.stop());

    it("sends the seed's basic message and answers 201 with the full JSON-LD object", async () => {
      const res = await post({ text: "Hello! This is a test SMS message.", sender_id: "+491701234567", phone: "+14155552671" });
      assert.equal(res.status, 201);
      assert.match(res.headers.get("content-type")!, /application\/ld\+json/);
      const b = res.body;
      assert.match(b.uuid, UUID);
      assert.equal(b["@context"], "/contexts/sms");
      assert.equal(b["@id"], `/sms/${b.uuid}`);
      assert.equal(b["@type"], "sms");
      assert.equal(b.text, "Hello! This is a test SMS message.");
      assert.equal(b.phone, "+14155552671");
      assert.equal(b.iso2, "US");
      assert.equal(b.chars_count, 34);
      assert.equal(b.parts_count, 1);
      assert.equal(b.price, 0.056);
      assert.equal(b.status_code, 0);
      assert.equal(b.dlr_code, 0);
      assert.equal(b.is_sent, false);
      assert.equal(b.is_unicode, false);
      assert.equal(b.key_id, gw.keyId);
      assert.equal(b.ip, "127.0.0.1");
      assert.equal(b.delivery_at, 0);
      assert.equal(b.gateway_sent_at, 0);
      assert.equal(b.source, 0);
      assert.equal(b.service_code, "direct");
      assert.equal(b.callback_data, null);
      assert.equal(b.bulk_id, null);
      assert.equal(b.voice_lang, null);
      assert.equal(b.is_text_deleted, false);
      assert.equal(b.requests, `/sms/${b.uuid}/requests`);
      assert.equal(b.clicks, `/sms/${b.uuid}/clicks`);
      assert.ok(Math.abs(b.created_at - Date.now() / 1000) < 5);
      const seedKeys = [
        "text", "sender_id", "phone", "delivery_at", "status_code", "gateway_sent_at", "source", "dlr_code", "ip",
        "created_at", "is_unicode", "uuid", "iso2", "voice_lang", "parts_count", "chars_count", "callback_data",
        "bulk_id", "key_id", "service_code", "is_text_deleted", "price", "is_sent", "requests", "clicks",
      ];
      for (const key of seedKeys) assert.ok(key in b, `missing ${key}`);
      assert.match(res.headers.get("x-lox24-request-id")!, /^[A-Za-z0-9]{32}$/);
    });

    it("answers plain JSON without @ keys when Accept is application/json", async () => {
      const res = await post(
        { text: "plain", sender_id: "Starling", phone: "+14155552671" },
        { Accept: "application/json" },
      );
      assert.equal(res.status, 201);
      assert.match(res.headers.get("content-type")!, /^application\/json/);
      assert.equal(res.body["@context"], undefined);
      assert.equal(res.body["@id"], undefined);
      const got = await http(gw.url, "GET", `/sms/${res.body.uuid}`, { headers: { ...auth(), Accept: "application/json" } });
      assert.equal(got.status, 200);
      assert.deepEqual(got.body, res.body);
    });

    it("sends the curl sample: scheduled in the past means now, unicode, callback data, voice_lang", async () => {
      const res = await post({
        sender_id: "My Sender", phone: "+49751234567", source: 111, service_code: "direct", text: "Test message",
        delivery_at: 1573724611, is_unicode: true, callback_data: "123456", voice_lang: "DE",
      });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.is_unicode, true);
      assert.equal(res.body.source, 111);
      assert.equal(res.body.callback_data, "123456");
      assert.equal(res.body.voice_lang, "DE");
      assert.equal(res.body.delivery_at, 1573724611);
      assert.equal(res.body.dlr_code, 0);
      assert.equal(res.body.iso2, "DE");
    });

    it("schedules a future delivery_at with dlr_code 2", async () => {
      const at = Math.floor(Date.now() / 1000) + 3600;
      const res = await post({ text: "later", sender_id: "Starling", phone: "+14155552671", delivery_at: at });
      assert.equal(res.status, 201);
      assert.equal(res.body.delivery_at, at);
      assert.equal(res.body.dlr_code, 2);
    });

    it("transliterates the seed's example to GSM: 248 characters, 2 parts, price × parts", async () => {
      const text =
        "Nicht alle Sonderzeichen sind im GSM Zeichensatz enthalten, z.B. nur das richtige Apostroph: Anna's Auto geht, aber nicht Max´s Haus. Akzente gehen teilweise: André, jedoch nicht alle: Háns. Normale Bindestriche - gehen, nicht allerdings längere: –";
      const res = await post({ text, sender_id: "Test", phone: "+491701234567", is_unicode: false });
      assert.equal(res.status, 201);
      assert.equal(
        res.body.text,
        "Nicht alle Sonderzeichen sind im GSM Zeichensatz enthalten, z.B. nur das richtige Apostroph: Anna's Auto geht, aber nicht Max's Haus. Akzente gehen teilweise: André, jedoch nicht alle: Hans. Normale Bindestriche - gehen, nicht allerdings längere: -",
      );
      assert.equal(res.body.chars_count, 248);
      assert.equal(res.body.parts_count, 2);
      assert.equal(res.body.is_unicode, false);
      assert.equal(res.body.iso2, "DE");
      assert.equal(res.body.price, 0.13);
    });

    it("detects Unicode and counts UCS-2 parts for the seed's Unicode example", async () => {
      const text = "🎉 Welcome! ¡Bienvenidos! 欢迎光临! مرحبا بكم!";
      const res = await post({ text, sender_id: "+491701234567", phone: "+14155552671", is_unicode: true });
      assert.equal(res.status, 201);
      assert.equal(res.body.is_unicode, true);
      assert.equal(res.body.parts_count, 1);
      const detected = await post({ text: "Zażółć gęślą jaźń", sender_id: "Starling", phone: "+14155552671" });
      assert.equal(detected.body.is_unicode, true);
    });

    it("keeps callback_data and is_text_deleted from the seed's examples", async () => {
      const cb = await post({
        text: "Your order #12345 has been shipped and is on the way!", sender_id: "+491701234567",
        phone: "+14155552671", callback_data: "order_12345_shipping_notification",
      });
      assert.equal(cb.status, 201);
      assert.equal(cb.body.callback_data, "order_12345_shipping_notification");
      const del = await post({
        text: "Your verification code is: 123456. This message will be deleted after delivery.",
        sender_id: "+491701234567", phone: "+14155552671", is_text_deleted: true,
      });
      assert.equal(del.body.is_text_deleted, true);
      assert.equal(del.body.chars_count, 79);
    });

    it("normalises national, 00 and bare international numbers with the account's country", async () => {
      for (const phone of ["+491701234567", "00491701234567", "491701234567", "01701234567"]) {
        const res = await post({ text: "hi", sender_id: "Starling", phone });
        assert.equal(res.status, 201, `${phone}: ${res.text}`);
        assert.equal(res.body.phone, "+491701234567");
        assert.equal(res.body.iso2, "DE");
      }
    });

    it("refuses voice services the account does not have, with the seed's violation", async () => {
      const res = await post({
        text: "Hello, this message will be converted to speech and delivered as a voice call.",
        sender_id: "+491701234567", phone: "+14155552671", service_code: "text2speech", voice_lang: "EN",
      });
      assert.equal(res.status, 400);
      assert.equal(res.body.detail, "service_code: Service's code is invalid or unavailable.");
      assert.equal(res.body.violations[0].propertyPath, "service_code");
      assert.equal(res.body["@type"], "ConstraintViolationList");
      const bogus = await post({ text: "x", sender_id: "Starling", phone: "+14155552671", service_code: "fax" });
      assert.equal(bogus.status, 400);
      assert.equal(bogus.body.violations[0].message, "Service's code is invalid or unavailable.");
    });

    it("names every invalid field in one 400", async () => {
      const res = await post(
        {
          sender_id: "This sender is far too long", phone: "12", callback_data: "x".repeat(37),
          voice_lang: "XX", is_unicode: "yes", attempts_count_max: 2, delivery_at: "tomorrow",
        },
        { Accept: "application/json" },
      );
      assert.equal(res.status, 400);
      assert.match(res.headers.get("content-type")!, /application\/problem\+json/);
      const fields = res.body.violations.map((v: { propertyPath: string }) => v.propertyPath).sort();
      assert.deepEqual(fields, ["callback_data", "delivery_at", "is_unicode", "sender_id", "text", "voice_lang"].sort());
      assert.equal(res.body.title, "An error occurred");
      assert.equal(res.body.type, "https://tools.ietf.org/html/rfc2616#section-10");
      for (const v of res.body.violations) assert.match(v.code, UUID);
      assert.match(res.body.detail, /text: This value should not be blank\./);
    });

    it("accepts a number of a possible length in a range not yet allocated, with its country", async () => {
      for (const [phone, iso2] of [["+972541111111", "IL"], ["+447700900123", "GB"], ["0044 7700 900124", "GB"]]) {
        const res = await post({ text: "hi", sender_id: "Starling", phone });
        assert.equal(res.status, 201, `${phone}: ${res.text}`);
        assert.equal(res.body.iso2, iso2, phone);
      }
      const impossible = await post({ text: "x", sender_id: "Starling", phone: "+97254111" });
      assert.equal(impossible.status, 400);
      assert.equal(impossible.body.violations[0].propertyPath, "phone");
      // An operator can ask for allocated ranges only, per account.
      const strict = await gw.newAccount();
      await gw.gateway.store.accounts.update(strict.accountId, { strictNumbers: true });
      const send = (phone: string) =>
        http(gw.url, "POST", "/sms", {
          body: { text: "x", sender_id: "Starling", phone },
          headers: { "X-LOX24-AUTH-TOKEN": strict.token },
        });
      const refused = await send("+972541111111");
      assert.equal(refused.status, 400);
      assert.equal(refused.body.violations[0].propertyPath, "phone");
      assert.equal((await send("+972542222222")).status, 201);
    });

    it("rejects attempts_count_max for direct, an invalid phone, and an over-long text", async () => {
      const attempts = await post({ text: "x", sender_id: "Starling", phone: "+14155552671", attempts_count_max: 1 });
      assert.equal(attempts.status, 400);
      assert.equal(attempts.body.violations[0].propertyPath, "attempts_count_max");
      const phone = await post({ text: "x", sender_id: "Starling", phone: "+4912" });
      assert.equal(phone.status, 400);
      assert.equal(phone.body.violations[0].propertyPath, "phone");
      const long = await post({ text: "a".repeat(1531), sender_id: "Starling", phone: "+14155552671" });
      assert.equal(long.status, 400);
      assert.equal(long.body.violations[0].propertyPath, "text");
      const maxGsm = await post({ text: "a".repeat(1530), sender_id: "Starling", phone: "+14155552671" });
      assert.equal(maxGsm.status, 201);
      assert.equal(maxGsm.body.parts_count, 10);
      const longUnicode = await post({ text: "ж".repeat(671), sender_id: "Starling", phone: "+14155552671" });
      assert.equal(longUnicode.status, 400);
    });

    it("ignores unknown fields such as the PHP client's is_delete_text", async () => {
      const res = await post({ text: "x", sender_id: "Starling", phone: "+14155552671", is_delete_text: true, foo: 1 });
      assert.equal(res.status, 201);
    });

    it("turns malformed JSON, wrong body types, odd encodings and huge bodies into 4xx", async () => {
      const bad = await http(gw.url, "POST", "/sms", {
        rawBody: "{\"text\": ", headers: { ...auth(), "content-type": "application/json" },
      });
      assert.equal(bad.status, 400);
      assert.ok(bad.body.detail);
      const arr = await post([1, 2, 3]);
      assert.equal(arr.status, 400);
      const str = await http(gw.url, "POST", "/sms", { rawBody: "\"text\"", headers: { ...auth(), "content-type": "application/json" } });
      assert.equal(str.status, 400);
      const xml = await http(gw.url, "POST", "/sms", { rawBody: "<sms/>", headers: { ...auth(), "content-type": "application/xml" } });
      assert.equal(xml.status, 415);
      const latin1 = await http(gw.url, "POST", "/sms", {
        rawBody: Buffer.from('{"text":"caf\xe9","sender_id":"S","phone":"+14155552671"}', "latin1"),
        headers: { ...auth(), "content-type": "application/json; charset=utf-8" },
      });
      assert.ok(latin1.status === 201 || (latin1.status >= 400 && latin1.status < 500), String(latin1.status));
      const huge = await post({ text: "x".repeat(200_000), sender_id: "S", phone: "+14155552671" });
      assert.equal(huge.status, 413);
      const ld = await http(gw.url, "POST", "/sms", {
        rawBody: JSON.stringify({ text: "ld", sender_id: "S", phone: "+14155552671" }),
        headers: { ...auth(), "content-type": "application/ld+json" },
      });
      assert.equal(ld.status, 201);
      const proto = await http(gw.url, "POST", "/sms", {
        rawBody: '{"text":"x","sender_id":"S","phone":"+14155552671","__proto__":{"x":1}}',
        headers: { ...auth(), "content-type": "application/json" },
      });
      assert.equal(proto.status, 400);
    });

    it("serves the clicks and requests links of a message without short links: zero and empty, never 404", async () => {
      const sent = await post({ text: "no links here", sender_id: "S", phone: "+14155552671" });
      const { uuid, clicks, requests } = sent.body;
      const ld = await http(gw.url, "GET", clicks, { headers: auth() });
      assert.equal(ld.status, 200);
      assert.equal(ld.body["@id"], clicks);
      assert.equal(ld.body.uuid, uuid);
      assert.equal(ld.body.requests_count, 0);
      assert.equal(ld.body.created_at, sent.body.created_at);
      const plainClicks = await http(gw.url, "GET", clicks, { headers: { ...auth(), Accept: "application/json" } });
      assert.deepEqual(plainClicks.body, { uuid, created_at: sent.body.created_at, requests_count: 0 });
      const list = await http(gw.url, "GET", requests, { headers: auth() });
      assert.equal(list.status, 200);
      assert.equal(list.body["@type"], "hydra:Collection");
      assert.deepEqual(list.body["hydra:member"], []);
      assert.equal(list.body["hydra:totalItems"], 0);
      const plain = await http(gw.url, "GET", requests, { headers: { ...auth(), Accept: "application/json" } });
      assert.deepEqual(plain.body, []);
      // Still only for the caller's own messages.
      const other = await gw.newAccount();
      for (const link of [clicks, requests]) {
        const theirs = await http(gw.url, "GET", link, { headers: { "X-LOX24-AUTH-TOKEN": other.token } });
        assert.equal(theirs.status, 404, link);
      }
      const unknown = await http(gw.url, "GET", "/sms/11111111-2222-3333-4444-555555555555/clicks", { headers: auth() });
      assert.equal(unknown.status, 404);
    });

    it("answers 404 for unknown and malformed ids, and for another account's message", async () => {
      const mine = await post({ text: "mine", sender_id: "S", phone: "+14155552671" });
      const other = await gw.newAccount();
      const theirs = await http(gw.url, "GET", `/sms/${mine.body.uuid}`, { headers: { "X-LOX24-AUTH-TOKEN": other.token } });
      assert.equal(theirs.status, 404);
      assert.equal(theirs.body.detail, "Resource not found");
      const missing = await http(gw.url, "GET", "/sms/11111111-2222-3333-4444-555555555555", { headers: auth() });
      assert.equal(missing.status, 404);
      const malformed = await http(gw.url, "GET", "/sms/not-a-uuid", { headers: auth() });
      assert.equal(malformed.status, 404);
      const route = await http(gw.url, "GET", "/nothing/here", { headers: auth() });
      assert.equal(route.status, 404);
    });
  });
}
