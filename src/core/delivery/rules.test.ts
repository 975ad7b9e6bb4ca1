import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PartState } from "../delivery-state.js";
import { Dlr, Status } from "../message.js";
import { applyReceipt, expire, matchReceipt, recordFailure, recordSubmit } from "./rules.js";
import type { DeliveryState, PartRef } from "./state.js";

const state = (overrides: Partial<DeliveryState> = {}): DeliveryState => ({
  uuid: "m1",
  accountId: 7,
  keyId: 3,
  callbackData: "cb",
  statusCode: Status.NEW,
  dlrCode: Dlr.NONE,
  partsCount: 1,
  isTextDeleted: false,
  ...overrides,
});
const failure = { statusCode: Status.NO_ROUTE, dlrCode: Dlr.NONE, refund: true, priceMicros: 70_000 };

describe("delivery rules", () => {
  it("a submit makes an unsent message transmitted and en route, raising one event", () => {
    const m = state();
    const d = recordSubmit(m, 100);
    assert.notEqual(d, "later_submission");
    if (d === "later_submission") return;
    assert.deepEqual(d.change, {
      uuid: "m1",
      statusCode: Status.TRANSMITTED,
      dlrCode: Dlr.EN_ROUTE,
      eraseText: false,
      at: 100,
    });
    assert.deepEqual(d.event, {
      type: "delivery.status_changed",
      message: { uuid: "m1", accountId: 7, keyId: 3, callbackData: "cb" },
      statusCode: Status.TRANSMITTED,
      dlrCode: Dlr.EN_ROUTE,
      at: 100,
    });
    assert.equal(m.statusCode, Status.TRANSMITTED, "the state follows, for the rules after it");
    assert.equal(recordSubmit(m, 200), "later_submission", "the first recorded outcome decides");
    assert.equal(recordSubmit(state({ statusCode: Status.CANCELLED }), 200), "later_submission");
  });

  it("a failure ends a message once, only for the claim holder, refunding when asked", () => {
    const m = state();
    assert.equal(
      recordFailure(m, failure, false, 1),
      undefined,
      "a claim taken over leaves it to the new holder",
    );
    const d = recordFailure(m, failure, true, 1);
    assert.equal(d?.refundMicros, 70_000);
    assert.equal(d?.change.statusCode, Status.NO_ROUTE);
    assert.equal(recordFailure(m, failure, true, 2), undefined, "never refunded twice");
    assert.equal(recordFailure(state(), { ...failure, refund: false }, true, 1)?.refundMicros, 0);
  });

  it("erases the text of an is_text_deleted message once it is final, not before", () => {
    const m = state({ isTextDeleted: true });
    const sent = recordSubmit(m, 1);
    assert.equal(sent !== "later_submission" && sent.change.eraseText, false);
    assert.equal(applyReceipt(m, new Map(), 0, "DELIVRD", 2)?.change.eraseText, true);
    assert.equal(recordFailure(state({ isTextDeleted: true }), failure, true, 1)?.change.eraseText, true);
  });

  it("a long message is delivered when every part is, rejected as soon as one fails", () => {
    const m = state({ statusCode: Status.TRANSMITTED, dlrCode: Dlr.EN_ROUTE, partsCount: 3 });
    const parts = new Map<number, PartState>([
      [0, "ENROUTE"],
      [1, "ENROUTE"],
      [2, "ENROUTE"],
    ]);
    assert.equal(applyReceipt(m, parts, 0, "DELIVRD", 1), undefined, "still en route: no change, no event");
    assert.equal(applyReceipt(m, parts, 1, "DELIVRD", 2), undefined);
    assert.equal(applyReceipt(m, parts, 2, "DELIVRD", 3)?.change.dlrCode, Dlr.DELIVERED);
    const other = state({ statusCode: Status.TRANSMITTED, dlrCode: Dlr.EN_ROUTE, partsCount: 2 });
    assert.equal(applyReceipt(other, new Map(), 1, "UNDELIV", 1)?.change.dlrCode, Dlr.REJECTED);
    assert.equal(applyReceipt(other, new Map(), 0, "DELIVRD", 2), undefined, "a final message never reopens");
  });

  it("a receipt for a part of a message still being sent keeps the part's state but not the dlr yet", () => {
    const m = state({ partsCount: 2 });
    const parts = new Map<number, PartState>();
    assert.equal(applyReceipt(m, parts, 0, "UNDELIV", 1), undefined);
    assert.equal(parts.get(0), "UNDELIV");
    recordSubmit(m, 2);
    assert.equal(
      applyReceipt(m, parts, 1, "DELIVRD", 3)?.change.dlrCode,
      Dlr.REJECTED,
      "the earlier part counts",
    );
  });

  it("a receipt goes to the part its id was given to most recently that still awaits one", () => {
    const part = (uuid: string, state: string, updatedAt: number, resubmitted = false): PartRef => ({
      uuid,
      partIndex: 0,
      state,
      resubmitted,
      updatedAt,
    });
    assert.equal(matchReceipt([part("old", "ENROUTE", 1), part("new", "ENROUTE", 2)])?.uuid, "new");
    assert.equal(matchReceipt([part("new", "ENROUTE", 2), part("old", "ENROUTE", 1)])?.uuid, "new");
    assert.equal(matchReceipt([part("old", "ENROUTE", 1), part("new", "DELIVRD", 2)])?.uuid, "old");
    assert.equal(
      matchReceipt([part("done", "DELIVRD", 1)]),
      undefined,
      "no awaiting part: the receipt waits",
    );
    assert.equal(
      matchReceipt([part("again", "ENROUTE", 5, true), part("first", "ENROUTE", 1)])?.uuid,
      "first",
    );
  });

  it("expires a transmitted message without a final receipt, and nothing else", () => {
    assert.equal(
      expire(state({ statusCode: Status.TRANSMITTED, dlrCode: Dlr.EN_ROUTE }), 9)?.change.dlrCode,
      Dlr.EXPIRED,
    );
    assert.equal(expire(state({ statusCode: Status.TRANSMITTED, dlrCode: Dlr.DELIVERED }), 9), undefined);
    assert.equal(expire(state(), 9), undefined);
  });
});
