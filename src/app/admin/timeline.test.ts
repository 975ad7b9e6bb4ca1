import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Message } from "../../core/message.js";
import type { MessageTrace } from "../../store/ports/index.js";
import { describeAttempt, messageTimeline } from "./timeline.js";

const message = (overrides: Partial<Message> = {}): Message => ({
  uuid: "0190a0b0-0000-7000-8000-000000000001",
  accountId: 1,
  keyId: 7,
  text: "hi",
  senderId: "Starling",
  phone: "+491701234567",
  iso2: "DE",
  deliveryAt: 0,
  statusCode: 100,
  dlrCode: 1,
  gatewaySentAt: 1_700_000_000,
  source: null,
  ip: null,
  createdAt: 1_700_000_000_400,
  isUnicode: false,
  encoding: "gsm7",
  voiceLang: null,
  partsCount: 2,
  charsCount: 200,
  callbackData: null,
  bulkId: null,
  serviceCode: "direct",
  isTextDeleted: false,
  priceMicros: 140_000,
  isSent: true,
  attemptsCountMax: null,
  priority: 0,
  ...overrides,
});

describe("messageTimeline", () => {
  it("orders accepted → submitted → part receipts → webhooks, even when gateway_sent_at rounds down", () => {
    const trace: MessageTrace = {
      message: message(),
      queue: null,
      parts: [
        {
          partIndex: 1,
          connectorId: "a",
          smscId: "2",
          state: "DELIVRD",
          errorCode: 0,
          updatedAt: 1_700_000_001_500,
          resubmitted: false,
        },
        {
          partIndex: 0,
          connectorId: "a",
          smscId: "1",
          state: "UNDELIV",
          errorCode: 11,
          updatedAt: 1_700_000_001_000,
          resubmitted: false,
        },
      ],
      webhooks: [
        {
          url: "https://user:pw@h.example/cb?token=secret",
          name: "sms.delivery",
          status: "delivered",
          attempts: 2,
          createdAt: 1_700_000_002_000,
          nextAttemptAt: 0,
          lastError: "HTTP 500",
          data: { dlr_code: 16 },
        },
      ],
    };
    const events = messageTimeline(trace);
    assert.deepEqual(
      events.map((e) => e.what),
      [
        "accepted",
        "submitted",
        "part 1: UNDELIV",
        "part 2: DELIVRD",
        "webhook sms.delivery (dlr_code 16): delivered",
      ],
    );
    assert.equal(events[2]!.tone, "bad");
    assert.match(events[2]!.detail, /error 11/);
    assert.doesNotMatch(events[3]!.detail, /error/);
    assert.match(events[4]!.detail, /2 attempt\(s\) to https:\/\/h\.example\/cb; last: HTTP 500/);
    // A receiver's URL may carry its credentials: the console shows it without them.
    assert.doesNotMatch(events[4]!.detail, /secret|pw@/);
  });

  it("shows a waiting retry with its last error, and how a message ended", () => {
    const retry = messageTimeline({
      message: message({ statusCode: 0, dlrCode: 0, gatewaySentAt: 0 }),
      queue: { dueAt: 1_700_000_005_000, attempts: 2, lastError: "ESME_RTHROTTLED", leased: false },
      parts: [],
      webhooks: [],
    });
    assert.deepEqual(
      retry.map((e) => e.what),
      ["accepted", "retry 2 due"],
    );
    assert.match(retry[1]!.detail, /ESME_RTHROTTLED/);
    const noRoute = messageTimeline({
      message: message({ statusCode: 5000, dlrCode: 0, gatewaySentAt: 0 }),
      queue: null,
      parts: [],
      webhooks: [],
    });
    assert.equal(noRoute.at(-1)!.detail, "no route (5000)");
  });

  it("places each recorded attempt among the stored events", () => {
    const attempt = { connectorId: null, smscIds: [], outboxId: null, url: null, httpStatus: null, error: null };
    const events = messageTimeline({ message: message(), queue: null, parts: [], webhooks: [] }, [
      { ...attempt, at: 1_700_000_000_500, kind: "submit", outcome: "retry", error: "throttled: ESME_RTHROTTLED" },
      { ...attempt, at: 1_700_000_001_500, kind: "submit", outcome: "submitted", connectorId: "a", smscIds: ["x1"] },
    ]);
    assert.deepEqual(
      events.map((e) => [e.what, e.tone]),
      [
        ["accepted", "info"],
        ["submit attempt failed", "bad"],
        ["submitted", "ok"],
        ["submit attempt", "ok"],
      ],
    );
  });

  it("says what each submit attempt and webhook POST got back", () => {
    const submit = { at: 1, kind: "submit" as const, smscIds: [], outboxId: null, url: null, httpStatus: null };
    assert.deepEqual(describeAttempt({ ...submit, outcome: "retry", connectorId: "a", error: "throttled: ESME_RTHROTTLED" }), {
      ok: false,
      detail: "connector a: to be retried: throttled: ESME_RTHROTTLED",
    });
    assert.deepEqual(describeAttempt({ ...submit, outcome: "failed", connectorId: null, error: "no route" }), {
      ok: false,
      detail: "failed: no route",
    });
    const post = { at: 1, kind: "webhook" as const, connectorId: null, smscIds: [], outboxId: "o1", url: "https://h.example/cb", error: null };
    assert.deepEqual(describeAttempt({ ...post, outcome: "failed", httpStatus: 500, error: "HTTP 500" }), {
      ok: false,
      detail: "https://h.example/cb → HTTP 500",
    });
    assert.deepEqual(describeAttempt({ ...post, outcome: "dead", httpStatus: null, error: "connect ECONNREFUSED" }), {
      ok: false,
      detail: "https://h.example/cb → connect ECONNREFUSED (given up)",
    });
    assert.deepEqual(describeAttempt({ ...post, outcome: "delivered", httpStatus: 204 }), {
      ok: true,
      detail: "https://h.example/cb → HTTP 204",
    });
  });
});
