import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FraudStore } from "../../store/ports/index.js";
import { COUNTERS, CounterRegistry } from "../counters.js";
import { FraudEvents } from "./events.js";

/** Only addRefusals is used by FraudEvents; the rest of the port is not reached. */
function recordingStore() {
  const written: Parameters<FraudStore["addRefusals"]>[0][] = [];
  const store = { addRefusals: async (counts: (typeof written)[number]) => void written.push(counts) };
  return { store: store as unknown as FraudStore, written };
}

describe("FraudEvents", () => {
  it("logs every refusal with its rule, counts it, and writes per-day sums on flush", async () => {
    const { store, written } = recordingStore();
    const counters = new CounterRegistry();
    const lines: { details: Record<string, unknown>; message: string }[] = [];
    const log = {
      warn: (details: object, message: string) =>
        lines.push({ details: details as Record<string, unknown>, message }),
      error() {},
    };
    const events = new FraudEvents(store, counters, log);
    const t = Date.UTC(2026, 0, 5, 12);
    events.refused("velocity_prefix", 7, "more than 150 messages to +49170… in 60 s", t);
    events.refused("velocity_prefix", 7, "second", t + 1);
    events.refused("geo", 8, "+44740… (GB) not in DE", t + 2);

    assert.equal(lines.length, 3);
    assert.deepEqual(
      lines.map((l) => [l.details.event, l.details.rule, l.details.accountId]),
      [
        ["fraud_refusal", "velocity_prefix", 7],
        ["fraud_refusal", "velocity_prefix", 7],
        ["fraud_refusal", "geo", 8],
      ],
    );
    assert.match(lines[0]!.message, /velocity_prefix/);
    assert.equal(counters.get(COUNTERS.fraudRefusals, { rule: "velocity_prefix", account_id: 7 }), 2);

    await events.flush();
    assert.deepEqual(written, [
      [
        {
          accountId: 7,
          rule: "velocity_prefix",
          day: "2026-01-05",
          count: 2,
          lastAt: t + 1,
          lastDetail: "second",
        },
        {
          accountId: 8,
          rule: "geo",
          day: "2026-01-05",
          count: 1,
          lastAt: t + 2,
          lastDetail: "+44740… (GB) not in DE",
        },
      ],
    ]);
    await events.flush();
    assert.equal(written.length, 1, "nothing new, nothing written");
  });

  it("a failed write is logged, and does not fail the flush", async () => {
    const errors: string[] = [];
    const store = {
      addRefusals: async () => Promise.reject(new Error("disk full")),
    } as unknown as FraudStore;
    const events = new FraudEvents(store, new CounterRegistry(), {
      warn() {},
      error: (_d: object, message: string) => errors.push(message),
    });
    events.refused("geo", 1, "x", Date.now());
    await events.flush();
    assert.deepEqual(errors, ["could not store fraud refusal counts"]);
  });
});
