/**
 * The dispatcher takes new events from the delivery writer in memory (issue 12) and still posts every
 * event once, one message's events in order, whether an event came that way or from a claim.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { renderLox24Webhook } from "../api/lox24/webhook-events.js";
import { systemClock } from "../app/deps.js";
import { Dlr } from "../core/message.js";
import { openStore } from "../store/open.js";
import type { Store } from "../store/ports/index.js";
import { storedMessage } from "../../test/helpers/messages.js";
import { WebhookDispatcher } from "./dispatcher.js";
import { verifyStarlingSignature } from "./verify-signature.js";

const SECRET = "k".repeat(32);

describe("WebhookDispatcher: events handed over after commit", () => {
  let store: Store;
  let accountId: number;
  before(async () => {
    const file = join(mkdtempSync(join(tmpdir(), "starling-hand-off-")), "s.db");
    store = await openStore(`sqlite:${file}`, { renderWebhook: renderLox24Webhook });
    accountId = (
      await store.accounts.create(
        { name: "h", country: "DE", currency: "EUR", balanceMicros: 1_000_000_000, webhookSecret: SECRET },
        Date.now(),
      )
    ).id;
  });
  after(() => store.close());

  for (const senderThread of [true, false]) {
    it(`posts each event once, in order per message, most of them without a claim (sender thread: ${senderThread})`, async () => {
      const arrivals: { message: string; dlr: number }[] = [];
      let badSignatures = 0;
      const server = createServer((req, res) => {
        let raw = "";
        req.on("data", (c) => {
          raw += c;
        });
        req.on("end", () => {
          if (!verifyStarlingSignature(SECRET, req.headers["x-starling-signature"], raw)) badSignatures++;
          const { data } = JSON.parse(raw) as { data: { id: string; dlr_code: number } };
          arrivals.push({ message: data.id, dlr: data.dlr_code });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
      const webhook = await store.webhooks.add(accountId, url, Date.now());
      // Counts what came by claim, through the real store.
      let claimedCount = 0;
      const counting = {
        ...store,
        webhooks: {
          ...store.webhooks,
          claimDue: async (...args: Parameters<Store["webhooks"]["claimDue"]>) => {
            const items = await store.webhooks.claimDue(...args);
            claimedCount += items.length;
            return items;
          },
        },
      } as Store;
      const dispatcher = new WebhookDispatcher(
        { store: counting, clock: systemClock, log: pino({ level: "silent" }) },
        { maxAttempts: 4, timeoutMs: 5000, baseDelayMs: 10_000, pollIntervalMs: 10, senderThread },
      );
      dispatcher.start();
      const messages = Array.from({ length: 40 }, () => storedMessage(accountId));
      try {
        await new Promise((r) => setTimeout(r, 50)); // a first claim finds nothing waiting for the receiver
        for (const [i, m] of messages.entries()) {
          await store.messages.accept({
            accountId,
            messages: [m],
            totalMicros: m.priceMicros,
            dueAt: [0],
            now: Date.now(),
          });
          await store.delivery.claimDue("d", Date.now(), 10, 60_000);
          const smscId = `${senderThread}-${i}`;
          // Submit and receipt in one group commit for some, one after the other for the rest.
          const submit = store.delivery.record(
            [{ kind: "submitted", message: m, connectorId: "c", smscIds: [smscId], at: Date.now() }],
            Date.now(),
          );
          if (i % 2 === 0) await submit;
          await store.delivery.applyReceipts([{ connectorId: "c", smscId, state: "DELIVRD" }], Date.now());
          await submit;
        }
        const deadline = Date.now() + 15_000;
        while (arrivals.length < 2 * messages.length && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 10));
        await new Promise((r) => setTimeout(r, 100)); // anything posted twice would arrive by now
      } finally {
        await dispatcher.stop();
        await store.webhooks.remove(webhook.id);
        server.close();
      }
      assert.equal(badSignatures, 0, "every body is signed with the account's secret");
      for (const m of messages) {
        assert.deepEqual(
          arrivals.filter((a) => a.message === m.uuid).map((a) => a.dlr),
          [Dlr.EN_ROUTE, Dlr.DELIVERED],
          `message ${m.uuid}: each event once, en route before delivered`,
        );
      }
      assert.equal(arrivals.length, 2 * messages.length);
      assert.ok(
        claimedCount < messages.length,
        `most events handed over in memory; ${claimedCount} of 80 claimed`,
      );
      assert.equal((await store.webhooks.counts()).pending ?? 0, 0, "every event recorded as delivered");
    });
  }
});
