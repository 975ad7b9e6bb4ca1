/** FullSMS /otp/* on a real server, over every store: every example and error of the seed's OTP section. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { storeTargets } from "../helpers/stores.js";
import { mobile, type OtpGateway, startOtpGateway, UUID, wrongCode } from "./otp-fixture.js";

const NOT_FOUND = { status_code: 404, status: "declined", message: "OTP_ID does not exist" };
const NOT_ACTIVE = { message: "OTP is not active", status_code: 422 };
const INVALID_CODE = {
  message: "422 Unprocessable Content",
  errors: { code: ["This code is invalid."] },
  code: 422,
  status_code: 422,
};
const TOO_MANY = { message: "Wrong code too many times", code: 429, status_code: 429 };
const fieldError = (field: string) => ({
  message: "422 Unprocessable Content",
  errors: { [field]: [`This ${field} is invalid.`] },
  code: 422,
  status_code: 422,
});

for (const target of storeTargets) {
  describe(`FullSMS OTP (${target.name})`, { skip: target.skip }, () => {
    let gw: OtpGateway;
    let uk: { accountId: number; token: string };
    let n = 0;
    const next = () => mobile(++n);
    const create = (body: unknown, token?: string) => gw.call("POST", "/otp/create", body, token);
    const verify = (body: unknown, token?: string) => gw.call("POST", "/otp/verify", body, token);
    const cancel = (body: unknown, token?: string) => gw.call("POST", "/otp/cancel", body, token);
    const search = (id: string, token?: string) =>
      gw.call("GET", `/otp/search?otp_id=${encodeURIComponent(id)}`, undefined, token);
    const newOtp = async (extra: Record<string, unknown> = {}) => {
      const res = await create({ to_number: next(), from: "Starling", ...extra });
      assert.equal(res.status, 200, res.text);
      return res.body.otp_id as string;
    };

    before(async () => {
      gw = await startOtpGateway(target);
      await gw.allowSender(gw.accountId, "Starling");
      await gw.allowSender(gw.accountId, "OTP");
      uk = await gw.newAccount({ country: "GB", balance: 10 });
      await gw.allowSender(uk.accountId, "441111111111", "GB");
      await gw.gateway.store.prices.set("GB", 50_000);
    });
    after(() => gw.stop());

    describe("POST /otp/create", () => {
      it("answers the seed's example and sends one priced, debited, transactional SMS", async () => {
        const res = await create(
          { to_number: "447400123456", brand: "Your Brand", from: "441111111111" },
          uk.token,
        );
        assert.equal(res.status, 200, res.text);
        assert.deepEqual(Object.keys(res.body), ["status", "otp_id", "otp_status"]);
        assert.equal(res.body.status, "approved");
        assert.match(res.body.otp_id, UUID);
        assert.equal(res.body.otp_status, "in_progress");

        const otp = await gw.gateway.store.otp.get(uk.accountId, res.body.otp_id);
        const message = await gw.gateway.store.messages.get(uk.accountId, otp!.messageUuid);
        // The seed's example brand already says "Your": it is not doubled.
        assert.match(message!.text!, /^Your Brand verification code is [1-9]\d{5}$/);
        assert.equal(message!.partsCount, 1);
        assert.equal(message!.priority, 0, "the transactional lane");
        assert.equal(message!.senderId, "+441111111111", "an own number goes out in international form");
        assert.equal(message!.phone, "+447400123456");
        assert.equal(message!.priceMicros, 50_000);
        assert.equal(message!.isTextDeleted, true, "the text holding the code is erased once final");
        const account = await gw.gateway.store.accounts.get(uk.accountId);
        assert.equal(account!.balanceMicros, 10_000_000 - 50_000);
        const found = (await search(res.body.otp_id, uk.token)).body;
        assert.equal(found.destination, "447400123456");
        assert.equal(found.sender_value, "441111111111", "as the client wrote it");
        assert.equal(found.brand, "Your Brand");
      });

      it("writes the message without a brand when none is given", async () => {
        const id = await newOtp();
        const code = await gw.codeOf(id);
        const otp = await gw.gateway.store.otp.get(gw.accountId, id);
        const message = await gw.gateway.store.messages.get(gw.accountId, otp!.messageUuid);
        assert.equal(message!.text, `Your verification code is ${code}`);
        assert.equal((await search(id)).body.brand, "");
      });

      it("answers the seed's 422 with the field for an impossible or missing to_number", async () => {
        // The seed's example number is in no allocated UK range, but of a possible length: it is sendable.
        const example = await create({ to_number: "442222222222", brand: "Your Brand", from: "441111111111" }, uk.token);
        assert.equal(example.status, 200, example.text);
        for (const body of [
          { to_number: "4422222", from: "441111111111" },
          { to_number: "not a number", from: "441111111111" },
          { from: "441111111111" },
          { to_number: { n: 1 }, from: "441111111111" },
        ]) {
          const res = await create(body, uk.token);
          assert.equal(res.status, 422, JSON.stringify(body));
          assert.deepEqual(res.body, fieldError("to_number"));
        }
      });

      it("allows a brand of 50 GSM characters or 12 others, and answers 422 beyond", async () => {
        assert.equal(
          (await create({ to_number: next(), from: "Starling", brand: "B".repeat(50) })).status,
          200,
        );
        assert.equal(
          (await create({ to_number: next(), from: "Starling", brand: "Ж".repeat(12) })).status,
          200,
        );
        for (const brand of ["B".repeat(51), "Ж".repeat(13), "Line\nbreak", 42]) {
          const res = await create({ to_number: next(), from: "Starling", brand });
          assert.equal(res.status, 422, JSON.stringify(brand));
          assert.deepEqual(res.body, fieldError("brand"));
        }
      });

      it("answers the seed's 403s for a number that is not the account's and an unapproved sender ID", async () => {
        for (const from of ["449999999999", "", undefined]) {
          const res = await create({ to_number: next(), from });
          assert.equal(res.status, 403, `from ${from}`);
          assert.deepEqual(res.body, { status_code: 403, message: "Number invalid, inactive or unknown" });
        }
        await gw.gateway.store.fullsms.senderIds.request(gw.accountId, "Pending", gw.clock.now());
        for (const from of ["Pending", "NeverAsked"]) {
          const res = await create({ to_number: next(), from });
          assert.equal(res.status, 403, from);
          assert.deepEqual(res.body, { status_code: 403, message: "Sender ID is not approved" });
        }
      });

      it("answers the seed's balance error when the SMS cannot be paid, leaving no OTP behind", async () => {
        const poor = await gw.newAccount({ balance: 0 });
        await gw.allowSender(poor.accountId, "Starling");
        const to = next();
        const res = await create({ to_number: to, from: "Starling" }, poor.token);
        assert.equal(res.status, 422);
        assert.equal(res.body.reason, "balance_low");
        assert.match(res.body.message, /^Balance must be at least \$0\.\d+ to create .*: the balance is \$0\.00, \$0\.\d+ short$/);
        await gw.gateway.store.accounts.adjustBalance(poor.accountId, 1_000_000, gw.clock.now());
        // Had the refused OTP stayed, the 30-second rule would refuse this one.
        assert.equal((await create({ to_number: to, from: "Starling" }, poor.token)).status, 200);
      });
    });

    describe("POST /otp/verify", () => {
      it("approves the right code sent as the seed's integer", async () => {
        const id = await newOtp();
        const res = await verify({ otp_id: id, code: Number(await gw.codeOf(id)) });
        assert.equal(res.status, 200);
        assert.deepEqual(res.body, { status: "approved" });
        assert.equal((await search(id)).body.status, "approved");
      });

      it("approves the right code sent as a digit string", async () => {
        const id = await newOtp();
        const res = await verify({ otp_id: id, code: await gw.codeOf(id) });
        assert.deepEqual([res.status, res.body], [200, { status: "approved" }]);
      });

      it("answers the seed's 422 for a wrong code and still accepts the right one", async () => {
        const id = await newOtp();
        const code = await gw.codeOf(id);
        const res = await verify({ otp_id: id, code: Number(wrongCode(code)) });
        assert.equal(res.status, 422);
        assert.deepEqual(res.body, INVALID_CODE);
        assert.equal((await verify({ otp_id: id, code })).status, 200);
      });

      it("answers three checks: a wrong third gets 422 and fails the OTP; the fourth and later get 429", async () => {
        const id = await newOtp();
        const code = await gw.codeOf(id);
        const wrong = wrongCode(code);
        assert.deepEqual((await verify({ otp_id: id, code: wrong })).body, INVALID_CODE);
        assert.deepEqual((await verify({ otp_id: id, code: wrong })).body, INVALID_CODE);
        const third = await verify({ otp_id: id, code: wrong });
        assert.deepEqual([third.status, third.body], [422, INVALID_CODE], "the third check is still answered");
        assert.equal((await search(id)).body.status, "failed", "and sets the OTP to FAILED");
        const right = await verify({ otp_id: id, code });
        assert.deepEqual([right.status, right.body], [429, TOO_MANY], "even the right code is refused now");
        assert.deepEqual((await verify({ otp_id: id, code: wrong })).body, TOO_MANY);
        const found = (await search(id)).body;
        assert.equal(found.status, "failed");
        assert.deepEqual(
          found.checks.map((c: { status: string }) => c.status),
          ["invalid", "invalid", "invalid"],
        );
        assert.deepEqual((await cancel({ otp_id: id })).body, NOT_ACTIVE);
      });

      it("approves the right code on the third check after two wrong ones", async () => {
        const id = await newOtp();
        const code = await gw.codeOf(id);
        assert.equal((await verify({ otp_id: id, code: wrongCode(code) })).status, 422);
        assert.equal((await verify({ otp_id: id, code: wrongCode(code) })).status, 422);
        const third = await verify({ otp_id: id, code });
        assert.deepEqual([third.status, third.body], [200, { status: "approved" }]);
        assert.equal((await search(id)).body.status, "approved");
      });

      it("answers the seed's 422 'OTP is not active' for approved and cancelled OTPs", async () => {
        const approved = await newOtp();
        const code = await gw.codeOf(approved);
        await verify({ otp_id: approved, code });
        const again = await verify({ otp_id: approved, code });
        assert.deepEqual([again.status, again.body], [422, NOT_ACTIVE]);

        const cancelled = await newOtp();
        await cancel({ otp_id: cancelled });
        const res = await verify({ otp_id: cancelled, code: await gw.codeOf(cancelled) });
        assert.deepEqual([res.status, res.body], [422, NOT_ACTIVE]);
      });

      it("answers the invalid-code body for a value that cannot be a code, without counting it", async () => {
        const id = await newOtp();
        for (const code of ["abc", 12.5, -1, 1234567, null, undefined, [123456]]) {
          const res = await verify({ otp_id: id, code });
          assert.deepEqual([res.status, res.body], [422, INVALID_CODE], JSON.stringify(code));
        }
        assert.deepEqual((await search(id)).body.checks, []);
        assert.equal((await verify({ otp_id: id, code: await gw.codeOf(id) })).status, 200);
      });

      it("answers a 422 naming otp_id when it is missing", async () => {
        const res = await verify({ code: 123456 });
        assert.deepEqual([res.status, res.body], [422, fieldError("otp_id")]);
      });
    });

    describe("POST /otp/cancel", () => {
      it("answers the seed's [\"ok\"], then 422 'OTP is not active'", async () => {
        const id = await newOtp();
        const res = await cancel({ otp_id: id });
        assert.equal(res.status, 200);
        assert.deepEqual(res.body, ["ok"]);
        assert.equal((await search(id)).body.status, "cancelled");
        const again = await cancel({ otp_id: id });
        assert.deepEqual([again.status, again.body], [422, NOT_ACTIVE]);
      });

      it("answers 422 for an approved OTP", async () => {
        const id = await newOtp();
        await verify({ otp_id: id, code: await gw.codeOf(id) });
        assert.deepEqual((await cancel({ otp_id: id })).body, NOT_ACTIVE);
      });
    });

    describe("GET /otp/search", () => {
      it("reproduces the seed's example: dates, destination without +, checks with the tried codes", async () => {
        gw.clock.t = Date.UTC(2023, 5, 5, 13, 2, 56);
        const created = await create({ to_number: "972546461393", from: "OTP" });
        const id = created.body.otp_id;
        const code = await gw.codeOf(id);
        const wrong = code === "686281" ? "686282" : "686281";
        gw.clock.t = Date.UTC(2023, 5, 5, 13, 3, 24);
        await verify({ otp_id: id, code: Number(wrong) });
        gw.clock.t = Date.UTC(2023, 5, 5, 13, 4, 13);
        await verify({ otp_id: id, code: Number(code) });
        gw.clock.t = Date.UTC(2024, 0, 15, 12, 0, 0);

        const res = await search(id);
        assert.equal(res.status, 200);
        assert.deepEqual(res.body, {
          uuid: id,
          status: "approved",
          destination: "972546461393",
          sender_value: "OTP",
          brand: "",
          "created at": "2023-06-05 13:02:56",
          last_check_at: "2023-06-05 13:04:13",
          checks: [
            { date: "2023-06-05 13:03:24", code: Number(wrong), status: "invalid" },
            { date: "2023-06-05 13:04:13", code: Number(code), status: "valid" },
          ],
        });
      });

      it("shows a fresh OTP in progress with no checks and the brand it was sent with", async () => {
        const id = await newOtp({ brand: "Acme" });
        const body = (await search(id)).body;
        assert.equal(body.status, "in_progress");
        assert.equal(body.brand, "Acme");
        assert.equal(body.sender_value, "Starling");
        assert.equal(body.last_check_at, null);
        assert.deepEqual(body.checks, []);
      });

      it("answers a 422 naming otp_id when it is missing", async () => {
        const res = await gw.call("GET", "/otp/search");
        assert.deepEqual([res.status, res.body], [422, fieldError("otp_id")]);
      });
    });

    describe("ids, tenants, credentials", () => {
      it("answers the seed's 404 for unknown and malformed ids on verify, cancel and search", async () => {
        for (const id of ["6a68fb58-9f58-450e-bf06-d5008977116a", "nope", "6a68fb58"]) {
          for (const res of [
            await verify({ otp_id: id, code: 626262 }),
            await cancel({ otp_id: id }),
            await search(id),
          ]) {
            assert.deepEqual([res.status, res.body], [404, NOT_FOUND], id);
          }
        }
      });

      it("answers 404 for another account's OTP and leaves it untouched", async () => {
        const id = await newOtp();
        const code = await gw.codeOf(id);
        const other = await gw.newAccount();
        for (const res of [
          await verify({ otp_id: id, code }, other.token),
          await cancel({ otp_id: id }, other.token),
          await search(id, other.token),
        ]) {
          assert.deepEqual([res.status, res.body], [404, NOT_FOUND]);
        }
        const mine = (await search(id)).body;
        assert.equal(mine.status, "in_progress");
        assert.deepEqual(mine.checks, []);
        assert.equal((await verify({ otp_id: id, code })).status, 200);
      });

      it("answers the seed's 403s for a missing or bad token and a disabled account", async () => {
        const id = await newOtp();
        const disabled = await gw.newAccount();
        await gw.gateway.store.accounts.update(disabled.accountId, { status: "disabled" });
        const calls = (token: string) => [
          () => create({ to_number: next(), from: "Starling" }, token),
          () => verify({ otp_id: id, code: 123456 }, token),
          () => cancel({ otp_id: id }, token),
          () => search(id, token),
        ];
        for (const call of calls("20|YLuvWkTILYKhq365kCuXQW1aCqJe71BbKgzqsGlq")) {
          assert.deepEqual((await call()).body, {
            status_code: 403,
            message: "Unauthenticated - Missing/Invalid API key",
          });
        }
        for (const call of calls(disabled.token)) {
          assert.deepEqual((await call()).body, { status_code: 403, message: "Access Denied" });
        }
        assert.equal((await search(id)).body.status, "in_progress");
      });

      it("answers the seed's 500 without details when the store fails", async () => {
        const id = await newOtp();
        const otpStore = gw.gateway.store.otp;
        const original = otpStore.checks;
        otpStore.checks = async () => {
          throw new Error("disk on fire");
        };
        try {
          const res = await search(id);
          assert.deepEqual([res.status, res.body], [500, { status_code: 500, message: "Internal Error" }]);
        } finally {
          otpStore.checks = original;
        }
      });
    });

    describe("storage of codes", () => {
      it("keeps only a keyed hash of the code: no column holds it in clear", async () => {
        const id = await newOtp();
        const code = await gw.codeOf(id);
        const row = await gw.rawOtpRow(id);
        assert.match(String(row.code_hash), /^[0-9a-f]{64}$/);
        for (const [column, value] of Object.entries(row)) {
          assert.ok(!String(value).includes(code), `column ${column} holds the code`);
        }
        // Wrong attempts are kept (search shows them), but they are not the code.
        await verify({ otp_id: id, code: wrongCode(code) });
        const checks = await gw.rawRows("otp_checks", "otp_id", id);
        assert.equal(checks.length, 1);
        assert.ok(!Object.values(checks[0]!).some((v) => String(v).includes(code)));
      });

      it("keeps the hash key out of the store: only its fingerprint is there (see otp-hash-key.test.ts)", async () => {
        assert.equal(await gw.gateway.store.settings.get("otp_hash_key"), undefined);
        assert.match((await gw.gateway.store.settings.get("otp_hash_key_id")) ?? "", /^[0-9a-f]{32}$/);
      });
    });
  });
}
