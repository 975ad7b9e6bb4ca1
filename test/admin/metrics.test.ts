/**
 * Prometheus /metrics on the admin listener: counters follow real traffic (an API send delivered over SMPP
 * by the simulator, a webhook posted, an OTP created and checked), gauges read the queue and connectors,
 * and the public API port does not serve it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { http, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";
import { eventually, startWebhookReceiver } from "../helpers/webhook-receiver.js";

/** The value of one sample, e.g. sample(text, 'starling_messages_delivered_total{connector="simulator",service="direct"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

for (const target of storeTargets) {
  describe(`metrics (${target.name})`, { skip: target.skip }, () => {
    let gw: TestGateway;
    let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
    const scrape = async () => {
      const res = await fetch(`${gw.gateway.adminUrl}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /text\/plain/);
      return res.text();
    };

    before(async () => {
      hooks = await startWebhookReceiver();
      gw = await startTestGateway(target, {
        overrides: {
          "delivery.enabled": true,
          "delivery.simulator.enabled": true,
          "delivery.simulator.port": 0,
          "delivery.simulator.receiptDelayMs": 20,
          "delivery.pollIntervalMs": 20,
          "webhooks.enabled": true,
        },
      });
      await gw.gateway.store.webhooks.add(gw.accountId, hooks.url, Date.now());
    });
    after(async () => {
      await gw?.stop();
      await hooks?.close();
    });

    it("counts a delivered API message, its webhook and its request, and shows connector and queue state", async () => {
      const before = await scrape();
      assert.equal(sample(before, 'starling_messages_accepted_total{service="direct"}') ?? 0, 0);
      const headers = { "X-LOX24-AUTH-TOKEN": gw.token, Accept: "application/json" };
      const sent = await http(gw.url, "POST", "/sms", {
        body: { sender_id: "Starling", phone: "+491701234567", text: "metrics" },
        headers,
      });
      assert.equal(sent.status, 201, sent.text);
      await eventually(async () =>
        (await http(gw.url, "GET", `/sms/${sent.body.uuid}`, { headers })).body.dlr_code === 1
          ? true
          : undefined,
      );
      // Two events (en route, delivered) reach the receiver.
      await eventually(() => (hooks.received.length >= 2 ? true : undefined));

      const text = await eventually(async () => {
        const t = await scrape();
        return (sample(t, 'starling_webhook_attempts_total{result="delivered"}') ?? 0) >= 2 ? t : undefined;
      });
      const series = (s: string) => sample(text, s);
      assert.equal(series('starling_messages_accepted_total{service="direct"}'), 1);
      assert.equal(series('starling_messages_submitted_total{connector="simulator",service="direct"}'), 1);
      assert.equal(series('starling_messages_delivered_total{connector="simulator",service="direct"}'), 1);
      assert.equal(series('starling_receipt_latency_seconds_count{connector="simulator"}'), 1);
      assert.equal(series('starling_http_requests_total{route="/sms",method="POST",status="201"}'), 1);
      assert.ok(
        (series('starling_http_requests_total{route="/sms/:uuid",method="GET",status="200"}') ?? 0) >= 1,
      );
      assert.equal(
        series('starling_http_request_duration_seconds_count{route="/sms",method="POST",status="201"}'),
        1,
      );
      assert.equal(series('starling_smpp_connector_up{connector="simulator"}'), 1);
      assert.equal(series('starling_smpp_window_in_use{connector="simulator"}'), 0);
      assert.equal(series('starling_queue_depth{lane="transactional"}'), 0);
      assert.equal(series('starling_queue_oldest_age_seconds{lane="bulk"}'), 0);
      assert.ok((series('starling_webhook_outbox{status="delivered"}') ?? 0) >= 2);
      assert.ok((series("starling_process_resident_memory_bytes") ?? 0) > 0, "process metrics");
    });

    it("counts OTPs created, verified and failed", async () => {
      const bearer = { Authorization: `Bearer ${gw.token.replace(":", "|")}` };
      const store = gw.gateway.store;
      const sender = await store.fullsms.senderIds.request(gw.accountId, "Starling", Date.now());
      await store.fullsms.senderIds.decide(sender.id, "approved", Date.now());
      const created = await http(gw.url, "POST", "/otp/create", {
        body: { to_number: "+491701234599", from: "Starling", brand: "Acme" },
        headers: bearer,
      });
      assert.equal(created.status, 200, created.text);
      const otpId = created.body.otp_id as string;
      const wrong = await http(gw.url, "POST", "/otp/verify", {
        body: { otp_id: otpId, code: "000000" },
        headers: bearer,
      });
      assert.ok(wrong.status >= 400 && wrong.status < 500, wrong.text);
      const text = await scrape();
      assert.equal(sample(text, "starling_otp_created_total"), 1);
      assert.equal(sample(text, "starling_otp_failed_total"), 1);
      assert.equal(sample(text, "starling_otp_verified_total"), 0);
    });

    it("counts throttling by connector, and a receipt rejection as failed", async () => {
      const sim = gw.gateway.delivery.simulator!;
      const headers = { "X-LOX24-AUTH-TOKEN": gw.token, Accept: "application/json" };
      const send = async (phone: string) => {
        const res = await http(gw.url, "POST", "/sms", {
          body: { sender_id: "Starling", phone, text: "t" },
          headers,
        });
        assert.equal(res.status, 201, res.text);
        return res.body.uuid as string;
      };
      sim.setScenario("throttle", { throttleEvery: 1 });
      const throttled = await send("+491701234570");
      await eventually(async () =>
        (sample(await scrape(), 'starling_smpp_throttles_total{connector="simulator"}') ?? 0) >= 1
          ? true
          : undefined,
      );
      // Let the throttled message through (its retry is delivered) before the rejection is counted.
      sim.setScenario("deliver");
      await eventually(
        async () =>
          (await http(gw.url, "GET", `/sms/${throttled}`, { headers })).body.dlr_code === 1
            ? true
            : undefined,
        20_000,
      );
      sim.setScenario("reject", { rejectAt: "receipt", rejectState: "REJECTD" });
      const rejected = await send("+491701234571");
      await eventually(async () =>
        (await http(gw.url, "GET", `/sms/${rejected}`, { headers })).body.dlr_code === 16 ? true : undefined,
      );
      const text = await scrape();
      assert.equal(sample(text, 'starling_messages_failed_total{connector="simulator",service="direct"}'), 1);
      sim.setScenario("deliver");
    });

    it("queue depth and oldest age read the queue: a due message waits while the dispatcher is stopped", async () => {
      await gw.gateway.dispatcher!.stop();
      const headers = { "X-LOX24-AUTH-TOKEN": gw.token, Accept: "application/json" };
      const sent = await http(gw.url, "POST", "/sms", {
        body: { sender_id: "Starling", phone: "+491701234568", text: "waits" },
        headers,
      });
      assert.equal(sent.status, 201, sent.text);
      await new Promise((r) => setTimeout(r, 1100));
      const text = await scrape();
      assert.equal(sample(text, 'starling_queue_depth{lane="transactional"}'), 1);
      assert.ok((sample(text, 'starling_queue_oldest_age_seconds{lane="transactional"}') ?? 0) >= 1);
    });

    it("serves /metrics on the API port only when admin.metricsOnApi says so", async () => {
      const opted = await startTestGateway(target, { overrides: { "admin.metricsOnApi": true } });
      try {
        const res = await http(opted.url, "GET", "/metrics");
        assert.equal(res.status, 200);
        assert.match(res.text, /starling_http_requests_total/);
      } finally {
        await opted.stop();
      }
    });

    it("serves /metrics on the admin listener only, not on the API port", async () => {
      assert.notEqual(gw.gateway.adminUrl, gw.url);
      const api = await http(gw.url, "GET", "/metrics");
      assert.equal(api.status, 404);
      assert.doesNotMatch(api.text, /starling_/);
    });
  });
}
