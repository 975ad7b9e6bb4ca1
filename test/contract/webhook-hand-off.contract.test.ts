/**
 * The delivery writer hands new webhook events to this process's dispatcher after their commit (issue 12),
 * on SQLite and PostgreSQL alike: an event taken is written leased (no claim takes it until the lease
 * lapses, as after a crash), an event declined is claimable at once, and both carry what a claim would.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Message } from "../../src/core/message.js";
import { openStore } from "../../src/store/open.js";
import type { OutboxItem, OutboxListener, Store } from "../../src/store/ports/index.js";
import { storedMessage } from "../helpers/messages.js";
import { GATEWAY_STORE_OPTIONS, storeTargets } from "../helpers/stores.js";

const LEASE_MS = 60_000;

/** A listener that takes events to URLs ending in "/take" and declines the rest, and keeps what it is told. */
function recordingListener() {
  const asked: [string, number | null][] = [];
  const settled: { declined: string[]; taken: OutboxItem[] }[] = [];
  const listener: OutboxListener = {
    leaseFor(url, timeoutMs) {
      asked.push([url, timeoutMs]);
      return url.endsWith("/take") ? LEASE_MS : undefined;
    },
    settled(declined, taken) {
      settled.push({ declined: [...declined], taken: [...taken] });
    },
  };
  return { listener, asked, settled };
}

for (const target of storeTargets) {
  describe(`webhook hand-off after commit (${target.name})`, { skip: target.skip }, () => {
    let store: Store;
    before(async () => {
      store = await openStore(await target.url(), GATEWAY_STORE_OPTIONS);
    });
    after(() => store.close());

    const submit = async (accountId: number, m: Message, at: number) => {
      await store.messages.accept({
        accountId,
        messages: [m],
        totalMicros: m.priceMicros,
        dueAt: [at],
        now: at,
      });
      await store.delivery.claimDue("o", at, 100, 60_000);
      await store.delivery.record(
        [{ kind: "submitted", message: m, connectorId: "c", smscIds: [`s-${m.uuid}`], at }],
        at,
      );
    };
    const mine = (items: OutboxItem[], m: Message) =>
      items.filter((i) => (i.data as { id: string }).id === m.uuid);

    it("writes taken events leased and hands them over after the commit; declined ones stay claimable", async () => {
      assert.ok(store.webhooks.listen, "the SQL stores hand events over");
      const a = await store.accounts.create(
        { name: "h", country: "DE", currency: "EUR", balanceMicros: 1_000_000, webhookSecret: "s" },
        Date.now(),
      );
      await store.webhooks.add(a.id, "http://127.0.0.1:9/take", Date.now(), 7_000);
      await store.webhooks.add(a.id, "http://127.0.0.1:9/claim", Date.now());
      const { listener, asked, settled } = recordingListener();
      store.webhooks.listen(listener);
      const m = storedMessage(a.id, { callbackData: "cb" });
      const t = Date.now();
      try {
        await submit(a.id, m, t);
      } finally {
        store.webhooks.listen(undefined);
      }
      assert.deepEqual(asked, [
        ["http://127.0.0.1:9/take", 7_000],
        ["http://127.0.0.1:9/claim", null],
      ]);
      const taken = settled.flatMap((s) => s.taken);
      assert.deepEqual(
        settled.flatMap((s) => s.declined),
        ["http://127.0.0.1:9/claim"],
      );
      assert.equal(taken.length, 1);
      const [event] = taken;
      assert.equal(event!.url, "http://127.0.0.1:9/take");
      assert.equal(event!.timeoutMs, 7_000);
      assert.equal(event!.attempts, 0);
      assert.equal(event!.accountId, a.id);

      // A claim now finds only the declined event: the taken one is leased to this process.
      const claimedNow = mine(await store.webhooks.claimDue(Date.now() + 1000, 1000, LEASE_MS), m);
      assert.deepEqual(
        claimedNow.map((i) => i.url),
        ["http://127.0.0.1:9/claim"],
      );
      // The taken event carries what a claim gives, and the same JSON the row holds.
      const declined = claimedNow[0]!;
      assert.deepEqual(event!.data, declined.data);
      assert.equal(event!.dataJson, declined.dataJson);
      assert.equal(event!.eventId, declined.eventId, "one event, two receivers");
      assert.equal(event!.createdAt, declined.createdAt);

      // Had this process died, its lease lapses and a claim takes the event again.
      const afterCrash = mine(await store.webhooks.claimDue(t + LEASE_MS + 1, 1000, LEASE_MS), m);
      assert.deepEqual(
        afterCrash.map((i) => [i.id, i.url]),
        [[event!.id, "http://127.0.0.1:9/take"]],
      );
      await store.webhooks.recordAttempts(
        [...claimedNow, ...afterCrash].map((i) => ({ id: i.id, delivered: true })),
      );
    });

    it("hands nothing over without a listener: events are written unleased, as before", async () => {
      const a = await store.accounts.create(
        { name: "n", country: "DE", currency: "EUR", balanceMicros: 1_000_000, webhookSecret: "s" },
        Date.now(),
      );
      await store.webhooks.add(a.id, "http://127.0.0.1:9/take", Date.now());
      const m = storedMessage(a.id);
      await submit(a.id, m, Date.now());
      const claimed = mine(await store.webhooks.claimDue(Date.now() + 1000, 1000, LEASE_MS), m);
      assert.equal(claimed.length, 1);
      await store.webhooks.recordAttempts(claimed.map((i) => ({ id: i.id, delivered: true })));
    });
  });
}
