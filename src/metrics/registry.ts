/**
 * Every Prometheus metric Starling exposes, in one registry per gateway (tests run several gateways in
 * one process, so nothing goes into prom-client's global registry).
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

const byConnectorAndService = ["connector", "service"] as const;

export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: "starling_http_requests_total",
    help: "API requests by route template, method and status",
    labelNames: ["route", "method", "status"] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: "starling_http_request_duration_seconds",
    help: "API request latency by route template, method and status",
    labelNames: ["route", "method", "status"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly accepted = new Counter({
    name: "starling_messages_accepted_total",
    help: "Messages accepted (stored, debited and queued) by service",
    labelNames: ["service"] as const,
    registers: [this.registry],
  });
  readonly submitted = new Counter({
    name: "starling_messages_submitted_total",
    help: "Messages the SMSC accepted (submit_sm_resp OK for every part)",
    labelNames: byConnectorAndService,
    registers: [this.registry],
  });
  readonly delivered = new Counter({
    name: "starling_messages_delivered_total",
    help: "Messages whose every part was receipted delivered",
    labelNames: byConnectorAndService,
    registers: [this.registry],
  });
  readonly failed = new Counter({
    name: "starling_messages_failed_total",
    help: "Messages rejected at submit or by a receipt, or that found no route",
    labelNames: byConnectorAndService,
    registers: [this.registry],
  });
  readonly expired = new Counter({
    name: "starling_messages_expired_total",
    help: "Messages that expired before submission, by receipt, or without a final receipt",
    labelNames: byConnectorAndService,
    registers: [this.registry],
  });
  readonly receiptLatency = new Histogram({
    name: "starling_receipt_latency_seconds",
    help: "Time from the SMSC accepting a part to its final receipt being stored",
    labelNames: ["connector"] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600],
    registers: [this.registry],
  });

  readonly smppThrottles = new Counter({
    name: "starling_smpp_throttles_total",
    help: "Submits the SMSC answered with a throttling error",
    labelNames: ["connector"] as const,
    registers: [this.registry],
  });
  readonly smppReconnects = new Counter({
    name: "starling_smpp_reconnects_total",
    help: "Times a connector came back up after being down",
    labelNames: ["connector"] as const,
    registers: [this.registry],
  });

  readonly webhookAttempts = new Counter({
    name: "starling_webhook_attempts_total",
    help: "Webhook POSTs by result (delivered, failed)",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });
  readonly webhookFailures = new Counter({
    name: "starling_webhook_failures_total",
    help: "Webhook events given up after their last attempt",
    registers: [this.registry],
  });

  readonly otpCreated = new Counter({
    name: "starling_otp_created_total",
    help: "OTPs created",
    registers: [this.registry],
  });
  readonly otpVerified = new Counter({
    name: "starling_otp_verified_total",
    help: "OTP checks with the right code",
    registers: [this.registry],
  });
  readonly otpFailed = new Counter({
    name: "starling_otp_failed_total",
    help: "OTP checks with a wrong code",
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "starling_" });
  }

  /** A gauge whose values are read when Prometheus scrapes (queue depth, connector state...). */
  gauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: (set: (labels: Record<L, string>, value: number) => void) => Promise<void> | void,
  ): Gauge<L> {
    return new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        await read((labels, value) => this.set(labels as never, value));
      },
    });
  }

  contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
