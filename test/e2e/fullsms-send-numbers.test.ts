/** FullSMS POST /messages/send/to_numbers on a real server, over every store: seed examples and every error body. */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { Dlr, Priority } from "../../src/core/message.js";
import { type FullsmsClient, fullsmsClient, type SeedAccount, seedAccount, wallClock } from "../helpers/fullsms.js";
import { http, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PATH = "/messages/send/to_numbers";
const unprocessable = (errors: Record<string, string[]>) => ({ message: "422 Unprocessable Content", errors, status_code: 422 });
const balanceLow = (minimum: string) => ({
  status_code: 422,
  status: "declined",
  reason: "balance_low",
  message: `Balance must be over $${minimum} to create or schedule new campaigns or messages`,
});
const INVALID = "Given number is invalid or could not receive messages";
const HOUR = 3600_000;

for (const target of storeTargets) {
  describe(`FullSMS ${PATH} (${target.name})`, { skip: target.skip }, () => {
    let gw: TestGateway;
    let seed: SeedAccount;
    let api: FullsmsClient;
    const future = () => wallClock(Date.now() + 2 * HOUR);
    const messagesOf = async (campaignId: string, accountId = gw.accountId) =>
      (await gw.gateway.store.messages.list(accountId, { page: 1, perPage: 500, order: "asc", bulkId: campaignId })).items;
    const balance = async (accountId = gw.accountId) => (await gw.gateway.store.accounts.get(accountId))!.balanceMicros;

    before(async () => {
      gw = await startTestGateway(target, { country: "GB", balance: 1000 });
      seed = await seedAccount(gw);
      api = fullsmsClient(gw);
    });
    after(() => gw.stop());
    beforeEach(async () => {
      await gw.gateway.store.accounts.update(gw.accountId, { minBalanceMicros: 0, timezone: "UTC" });
    });

    it("takes the seed's example request as written: its send_at is in the past now, so 422", async () => {
      const res = await api.post(PATH, {
        to_numbers: ["972541111111", "972542222222"],
        from: "COPERATO",
        template_id: "42",
        send_at: "2025-01-01 08:51:07",
      });
      assert.equal(res.status, 422);
      assert.deepEqual(res.body, unprocessable({ send_at: ["The send at must be a date after now."] }));
    });

    it("answers the seed's 404 body for the example's template 42, which this account does not have", async () => {
      const res = await api.post(PATH, {
        to_numbers: ["972541111111", "972542222222"],
        from: "COPERATO",
        template_id: "42",
        send_at: future(),
      });
      assert.equal(res.status, 404);
      assert.deepEqual(res.body, { status_code: 404, status: "declined", message: "Template not found or not valid" });
    });

    it("sends the seed's example with a real template: approved, campaign id, total_sent and invalid", async () => {
      const res = await api.post(PATH, {
        to_numbers: ["972541111111", "972542222222"],
        from: "COPERATO",
        template_id: String(seed.templateId),
        send_at: future(),
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.status, "approved");
      assert.match(res.body.campaign_id, UUID);
      // +972 54 111 1111 is in no allocated range, but of a possible length for Israel: sendable, as the
      // document's example response (total_sent 2) says.
      assert.deepEqual({ ...res.body, campaign_id: "x" }, {
        status: "approved",
        campaign_id: "x",
        total_sent: 2,
        invalid: { count: 0, numbers: [] },
      });
      const messages = await messagesOf(res.body.campaign_id);
      assert.deepEqual(messages.map((m) => [m.phone, m.iso2]).sort(), [["+972541111111", "IL"], ["+972542222222", "IL"]]);
    });

    it("with the account's strict numbers option, reports numbers outside allocated ranges invalid too", async () => {
      const strict = await gw.newAccount({ country: "GB", balance: 10 });
      await seedAccount(gw, strict.accountId, "441111115599");
      await gw.gateway.store.accounts.update(strict.accountId, { strictNumbers: true });
      const res = await fullsmsClient(gw, strict.token).post(PATH, {
        to_numbers: ["972541111111", "972542222222"],
        from: "COPERATO",
        message: "hi",
      });
      assert.equal(res.status, 200);
      assert.deepEqual([res.body.total_sent, res.body.invalid], [1, { count: 1, numbers: ["972541111111"] }]);
    });

    it("reports only numbers that cannot be dialled at all as invalid", async () => {
      const res = await api.post(PATH, {
        to_numbers: ["972541111111", "97254", "9725411111111111", "not a number", "447700900123"],
        from: "COPERATO",
        message: "hi",
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.total_sent, 2);
      assert.deepEqual(res.body.invalid, { count: 3, numbers: ["97254", "9725411111111111", "not a number"] });
    });

    it("answers exactly the seed's example response for two valid numbers, scheduled, in the bulk lane", async () => {
      const sendAt = Date.now() + 2 * HOUR;
      const res = await api.post(PATH, {
        to_numbers: ["972542222222", "972543333333"],
        from: "COPERATO",
        template_id: String(seed.templateId),
        send_at: wallClock(sendAt),
      });
      assert.equal(res.status, 200);
      assert.deepEqual(Object.keys(res.body), ["status", "campaign_id", "total_sent", "invalid"]);
      assert.deepEqual({ ...res.body, campaign_id: "x" }, {
        status: "approved",
        campaign_id: "x",
        total_sent: 2,
        invalid: { count: 0, numbers: [] },
      });
      const messages = await messagesOf(res.body.campaign_id);
      assert.deepEqual(messages.map((m) => m.phone).sort(), ["+972542222222", "+972543333333"]);
      for (const m of messages) {
        assert.equal(m.text, "Hello World");
        assert.equal(m.senderId, "COPERATO");
        assert.equal(m.priority, Priority.BULK);
        assert.equal(m.bulkId, res.body.campaign_id);
        assert.equal(m.dlrCode, Dlr.SCHEDULED);
        assert.ok(Math.abs(m.deliveryAt - Math.floor(sendAt / 1000)) <= 1);
      }
      const campaign = await gw.gateway.store.fullsms.campaigns.get(gw.accountId, res.body.campaign_id);
      assert.equal(campaign?.status, "done");
      assert.equal(campaign?.enqueued, 2);
    });

    it("sends a single entry as a single transactional message, from one of the account's numbers", async () => {
      const before = await balance();
      const res = await api.post(PATH, { to_numbers: ["447911123456"], from: "441111111111", message: "Your Message" });
      assert.equal(res.status, 200);
      assert.equal(res.body.total_sent, 1);
      const [message] = await messagesOf(res.body.campaign_id);
      assert.equal(message?.priority, Priority.TRANSACTIONAL);
      assert.equal(message?.senderId, "+441111111111");
      assert.equal(message?.phone, "+447911123456");
      assert.equal(message?.dlrCode, Dlr.NONE);
      assert.equal(await balance(), before - message!.priceMicros);
    });

    it("accepts the account's number written with '+', '00' or spaces", async () => {
      for (const from of ["+441111111111", "00441111111111", "+44 1111 111111"]) {
        const res = await api.post(PATH, { to_numbers: ["447911123456"], from, message: "hi" });
        assert.equal(res.status, 200, from);
      }
    });

    it("reports invalid numbers and sends the rest; a duplicate is sent once", async () => {
      const res = await api.post(PATH, {
        to_numbers: ["447911123456", "not a number", "12", "+44 7911 123456", "447911123457"],
        from: "COPERATO",
        message: "Your Message",
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.total_sent, 2);
      assert.deepEqual(res.body.invalid, { count: 2, numbers: ["not a number", "12"] });
      assert.equal((await messagesOf(res.body.campaign_id)).length, 2);
    });

    it("answers the seed's 422 with to_numbers.N when no number is valid, and sends nothing", async () => {
      const before = await balance();
      const res = await api.post(PATH, { to_numbers: ["123", "abc"], from: "COPERATO", message: "Your Message" });
      assert.equal(res.status, 422);
      assert.deepEqual(res.body, unprocessable({ "to_numbers.0": [INVALID], "to_numbers.1": [INVALID] }));
      assert.equal(await balance(), before);
    });

    it("reports a number that opted out of the account as one that cannot receive messages", async () => {
      await gw.gateway.store.fullsms.contacts.optOut(gw.accountId, "+447911000001", Date.now());
      const res = await api.post(PATH, { to_numbers: ["447911000001"], from: "COPERATO", message: "hi" });
      assert.equal(res.status, 422);
      assert.deepEqual(res.body, unprocessable({ "to_numbers.0": [INVALID] }));
    });

    it("answers the seed's 422 'The message must be a string.'", async () => {
      const res = await api.post(PATH, { to_numbers: ["447911123456"], from: "COPERATO", message: 12345 });
      assert.equal(res.status, 422);
      assert.deepEqual(res.body, unprocessable({ message: ["The message must be a string."] }));
    });

    it("answers the seed's 403 From Invalid Number for a number that is not the account's", async () => {
      const other = await gw.newAccount();
      await seedAccount(gw, other.accountId, "441111113333");
      for (const from of ["441234567890", "441111113333", "+1"]) {
        const res = await api.post(PATH, { to_numbers: ["447911123456"], from, message: "hi" });
        assert.equal(res.status, 403, from);
        assert.deepEqual(res.body, { status_code: 403, message: "Number invalid, inactive or unknown" });
      }
    });

    it("answers the seed's 403 Invalid Sender ID for unknown, pending and other accounts' sender IDs", async () => {
      const other = await gw.newAccount();
      await seedAccount(gw, other.accountId, "441111114444");
      const theirs = fullsmsClient(gw, other.token);
      await gw.gateway.store.fullsms.senderIds.request(gw.accountId, "WAITING", Date.now());
      for (const [client, from] of [
        [api, "UNKNOWN"],
        [api, "WAITING"],
        [api, "coperato"],
      ] as const) {
        const res = await client.post(PATH, { to_numbers: ["447911123456"], from, message: "hi" });
        assert.equal(res.status, 403, from);
        assert.deepEqual(res.body, { status_code: 403, message: "Sender ID is not approved" });
      }
      const res = await theirs.post(PATH, { to_numbers: ["447911123456"], from: "441111111111", message: "hi" });
      assert.deepEqual(res.body, { status_code: 403, message: "Number invalid, inactive or unknown" });
    });

    it("answers the seed's 404 for another account's template, exactly as for a missing one", async () => {
      const other = await gw.newAccount();
      const theirs = await seedAccount(gw, other.accountId, "441111115555");
      for (const templateId of [String(theirs.templateId), 999999, "abc"]) {
        const res = await api.post(PATH, { to_numbers: ["447911123456"], from: "COPERATO", template_id: templateId });
        assert.equal(res.status, 404);
        assert.deepEqual(res.body, { status_code: 404, status: "declined", message: "Template not found or not valid" });
      }
    });

    it("answers the seed's 422 balance_low body with the account's real minimum", async () => {
      const other = await gw.newAccount({ country: "GB", balance: 3 });
      await seedAccount(gw, other.accountId, "441111116666");
      const theirs = fullsmsClient(gw, other.token);
      await gw.gateway.store.accounts.update(other.accountId, { minBalanceMicros: 5_000_000 });
      let res = await theirs.post(PATH, { to_numbers: ["447911123456"], from: "COPERATO", message: "hi" });
      assert.equal(res.status, 422);
      assert.deepEqual(res.body, balanceLow("5"));
      await gw.gateway.store.accounts.update(other.accountId, { minBalanceMicros: 2_500_000 });
      res = await theirs.post(PATH, { to_numbers: ["447911123456"], from: "COPERATO", message: "hi" });
      assert.equal(res.status, 200);
    });

    it("answers balance_low saying what the send lacks when the balance does not cover it, and sends none", async () => {
      const other = await gw.newAccount({ country: "GB", balance: 0.1 });
      await seedAccount(gw, other.accountId, "441111117777");
      const theirs = fullsmsClient(gw, other.token);
      const res = await theirs.post(PATH, {
        to_numbers: ["447911123456", "447911123457", "447911123458", "447911123459", "447911123450"],
        from: "COPERATO",
        message: "hi",
      });
      assert.equal(res.status, 422);
      // Five messages at the default 0.07: the balance of 0.10 is over the minimum of 0 but 0.25 short.
      assert.deepEqual(res.body, {
        status_code: 422,
        status: "declined",
        reason: "balance_low",
        message:
          "Balance must be at least $0.35 to create or schedule new campaigns or messages: the balance is $0.10, $0.25 short",
      });
      assert.equal(await balance(other.accountId), 100_000);
    });

    it("limits GSM-7 messages to 612 characters and others to 268, as the seed says", async () => {
      const send = (message: string) => api.post(PATH, { to_numbers: ["447911123456"], from: "COPERATO", message });
      assert.equal((await send("a".repeat(612))).status, 200);
      let res = await send("a".repeat(613));
      assert.equal(res.status, 422);
      assert.deepEqual(res.body, unprocessable({ message: ["The message must not be greater than 612 characters."] }));
      assert.equal((await send("ש".repeat(268))).status, 200);
      res = await send("ש".repeat(269));
      assert.deepEqual(res.body, unprocessable({ message: ["The message must not be greater than 268 characters."] }));
    });

    it("wants exactly one of message and template_id", async () => {
      let res = await api.post(PATH, { to_numbers: ["447911123456"], from: "COPERATO" });
      assert.deepEqual(
        res.body,
        unprocessable({
          message: ["The message field is required when template id is not present."],
          template_id: ["The template id field is required when message is not present."],
        }),
      );
      res = await api.post(PATH, { to_numbers: ["447911123456"], from: "COPERATO", message: "a", template_id: "1" });
      assert.deepEqual(res.body, unprocessable({ message: ["The message field prohibits template id from being present."] }));
    });

    it("checks to_numbers and from: required, types, at most 500 entries", async () => {
      let res = await api.post(PATH, { from: "COPERATO", message: "a" });
      assert.deepEqual(res.body, unprocessable({ to_numbers: ["The to numbers field is required."] }));
      res = await api.post(PATH, { to_numbers: [], message: "a" });
      assert.deepEqual(
        res.body,
        unprocessable({ to_numbers: ["The to numbers field is required."], from: ["The from field is required."] }),
      );
      res = await api.post(PATH, { to_numbers: "447911123456", from: 441111111111, message: "a" });
      assert.deepEqual(
        res.body,
        unprocessable({ to_numbers: ["The to numbers must be an array."], from: ["The from must be a string."] }),
      );
      res = await api.post(PATH, { to_numbers: Array(501).fill("447911123456"), from: "COPERATO", message: "a" });
      assert.deepEqual(res.body, unprocessable({ to_numbers: ["The to numbers must not have more than 500 items."] }));
    });

    it("sends to 500 numbers in one request as one campaign", async () => {
      const numbers = Array.from({ length: 500 }, (_, i) => `4479111${String(i).padStart(5, "0")}`);
      const res = await api.post(PATH, { to_numbers: numbers, from: "COPERATO", message: "Your Message" });
      assert.equal(res.status, 200);
      assert.equal(res.body.total_sent, 500);
      const { total } = await gw.gateway.store.messages.list(gw.accountId, {
        page: 1,
        perPage: 1,
        order: "asc",
        bulkId: res.body.campaign_id,
      });
      assert.equal(total, 500);
    });

    it("reads send_at in the account's time zone and refuses malformed or past times", async () => {
      await gw.gateway.store.accounts.update(gw.accountId, { timezone: "Asia/Jerusalem" });
      const sendAt = Date.now() + 3 * HOUR;
      const res = await api.post(PATH, {
        to_numbers: ["447911123456"],
        from: "COPERATO",
        message: "later",
        send_at: wallClock(sendAt, "Asia/Jerusalem"),
      });
      assert.equal(res.status, 200);
      const [message] = await messagesOf(res.body.campaign_id);
      assert.ok(Math.abs(message!.deliveryAt - Math.floor(sendAt / 1000)) <= 1);
      const format = unprocessable({ send_at: ["The send at does not match the format Y-m-d H:i:s."] });
      for (const sendAtValue of ["2030-13-01 08:00:00", "2030-02-30 08:00:00", "tomorrow", "2030-01-01T08:00:00Z", 1893456000]) {
        const bad = await api.post(PATH, { to_numbers: ["447911123456"], from: "COPERATO", message: "x", send_at: sendAtValue });
        assert.equal(bad.status, 422, String(sendAtValue));
        assert.deepEqual(bad.body, format);
      }
      const past = await api.post(PATH, {
        to_numbers: ["447911123456"],
        from: "COPERATO",
        message: "x",
        send_at: wallClock(Date.now() - HOUR, "Asia/Jerusalem"),
      });
      assert.deepEqual(past.body, unprocessable({ send_at: ["The send at must be a date after now."] }));
    });

    it("answers a body that is not a JSON object, or not JSON, with a 422", async () => {
      let res = await api.post(PATH, ["447911123456"]);
      assert.equal(res.status, 422);
      assert.equal(res.body.status_code, 422);
      res = await http(gw.url, "POST", PATH, {
        rawBody: "{not json",
        headers: { ...api.headers, "content-type": "application/json" },
      });
      assert.equal(res.status, 422);
      assert.equal(res.body.message, "422 Unprocessable Content");
    });

    it("refuses a body over the server's limit with 413, not a 500", async () => {
      const res = await api.post(PATH, { to_numbers: ["447911123456"], from: "COPERATO", message: "x".repeat(70_000) });
      assert.equal(res.status, 413);
    });
  });
}
