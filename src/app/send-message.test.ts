import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fullsmsViolationMessage } from "../api/fullsms/violations.js";
import { lox24ViolationMessage } from "../api/lox24/violations.js";
import { isAppError } from "../errors.js";
import type { Store } from "../store/ports/index.js";
import { prepareMessage } from "./send-message.js";

describe("send-message violations", () => {
  it("are neutral (kind, field, params); each dialect words them", async () => {
    // Refused before anything is read: no store is needed.
    const store = {} as Store;
    const deps = { store, clock: { now: () => Date.now() }, pricing: { defaultPricePerPartMicros: 1 } };
    const account = {
      id: 1,
      name: "a",
      country: "DE",
      currency: "EUR",
      status: "active" as const,
      services: ["direct" as const],
      isTextDeleted: false,
      timezone: "UTC",
      minBalanceMicros: 0,
      allowShortLinks: false,
      webhookSecret: "s",
      createdAt: 0,
    };
    const error = await prepareMessage(deps, {
      account,
      keyId: null,
      text: "x".repeat(2000),
      senderId: "S",
      phone: "nope",
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(isAppError(error));
    assert.deepEqual(
      error.violations.map((v) => [v.field, v.kind, v.params, v.message]),
      [
        ["phone", "invalid_phone", undefined, undefined],
        ["text", "too_long", { max: 1530 }, undefined],
      ],
    );
    assert.equal(
      lox24ViolationMessage(error.violations[1]!),
      "This value is too long. It should have 1530 characters or less.",
    );
    assert.equal(fullsmsViolationMessage(error.violations[0]!), "This value is not a valid phone number.");
  });
});
