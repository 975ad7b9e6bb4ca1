import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { OutboxItem } from "../store/ports/index.js";
import { eventBody } from "./event.js";
import { signedRequest } from "./signed-request.js";
import { verifyStarlingSignature } from "./verify-signature.js";

describe("signedRequest", () => {
  const datas: unknown[] = [
    { id: "m-1", dlr_code: 1, status_code: 100, callback_data: null },
    { id: "m-2", text: 'quote " backslash \\ unicode ü 😀 \u2028', nested: { a: [1, 2.5, -0.001, 1e21] } },
    [],
    "plain",
    null,
  ];
  for (const [i, data] of datas.entries()) {
    it(`builds the body the dispatcher used to serialise, byte for byte (${i})`, () => {
      const item: OutboxItem = {
        id: "0190-row",
        eventId: "evt-1",
        accountId: 3,
        url: "http://127.0.0.1:9/h",
        name: "sms.delivery",
        data,
        createdAt: 1_700_000_000_123,
        attempts: 2,
      };
      const at = Date.now();
      const { body, headers } = signedRequest(
        {
          url: item.url,
          id: item.id,
          eventId: item.eventId,
          name: item.name,
          createdAt: item.createdAt,
          attempts: item.attempts,
          maxAttempts: 5,
          dataJson: JSON.stringify(data),
          accountId: item.accountId,
          timeoutMs: 1000,
          at,
        },
        "secret",
      );
      assert.equal(body, JSON.stringify(eventBody(item, 5)));
      assert.equal(headers["x-starling-event"], "sms.delivery");
      assert.ok(verifyStarlingSignature("secret", headers["x-starling-signature"], body));
      assert.match(headers["x-starling-signature"]!, new RegExp(`^t=${Math.floor(at / 1000)},v1=`));
    });
  }
});
