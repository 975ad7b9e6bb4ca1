/**
 * The dispatcher: claims due messages from the durable queue, routes each to a connector, submits it
 * and records what happened. Bounded in-flight work keeps the transactional lane fast: a large campaign
 * never fills the connector's queue ahead of an OTP, because only a window's worth is claimed at a time.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Clock } from "../app/deps.js";
import { encodeText } from "../core/encoding/index.js";
import {
  decideAfterAttempt,
  expiredBeforeSubmit,
  failure,
  type SubmitAttempt,
  type SubmitDecision,
  validUntil,
} from "../core/delivery/submit.js";
import { decideAfterCall } from "../core/delivery/voice-attempts.js";
import { Dlr, type Message, Priority, Status, VOICE_SERVICES } from "../core/message.js";
import { checkVoiceText } from "../core/voice.js";
import { matchRoute, type RouteRule } from "../core/routing.js";
import type { ClaimedMessage, DeliveryOutcome, Store } from "../store/ports/index.js";
import { type Connector, type ReceiptEvent, receiptAddresses, type SubmitRequest } from "./connector.js";

export interface DispatcherOptions {
  batchSize: number;
  pollIntervalMs: number;
  leaseMs: number;
  validityMs: number;
  retry: { baseMs: number; maxMs: number; maxAttempts: number };
  /** Voice: the pause between calls after a busy or unanswered one (default 60 s). */
  voiceRetryPauseMs?: number;
  /** Messages claimed and not yet finished, at most. */
  maxInFlight: number;
  /**
   * Bulk-lane messages claimed and not yet finished, at most. Kept near the connector window so a
   * campaign never builds a queue inside the connector that a later OTP would have to wait behind.
   */
  bulkMaxInFlight: number;
}

export interface DispatcherDeps {
  store: Pick<Store, "delivery">;
  clock: Clock;
  connectors: ReadonlyMap<string, Connector>;
  routes: readonly RouteRule[];
  log: Logger;
}

export interface DispatcherStats {
  claimed: number;
  submitted: number;
  retried: number;
  failed: number;
  receipts: number;
}

export class Dispatcher {
  readonly owner = `dispatcher-${randomUUID()}`;
  readonly stats: DispatcherStats = { claimed: 0, submitted: 0, retried: 0, failed: 0, receipts: 0 };
  private running = false;
  private inFlight = 0;
  private bulkInFlight = 0;
  private wake: (() => void) | undefined;
  private loopDone: Promise<void> | undefined;
  private maintenance: NodeJS.Timeout | undefined;
  private renewal: NodeJS.Timeout | undefined;
  /** Claimed by this dispatcher and not yet recorded: their leases are kept alive. */
  private readonly held = new Set<string>();
  private readonly pending = new Set<Promise<void>>();
  /** Transactional messages accepted in this process and not yet claimed directly (see accepted()). */
  private readonly urgent = new Set<string>();
  private claimingUrgent = false;
  private readonly onReceipt = (event: ReceiptEvent) => this.receipt(event);

  constructor(
    private readonly deps: DispatcherDeps,
    private readonly options: DispatcherOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    for (const connector of this.deps.connectors.values()) connector.on("receipt", this.onReceipt);
    this.loopDone = this.loop();
    this.maintenance = setInterval(() => void this.expireStale(), Math.min(30_000, this.options.validityMs));
    this.maintenance.unref();
    // A claimed message may wait in a connector (pacer, window) longer than its lease; renewing the lease
    // keeps the queue from handing it out again while it is still ours.
    this.renewal = setInterval(
      () => void this.renewLeases(),
      Math.max(50, Math.floor(this.options.leaseMs / 3)),
    );
    this.renewal.unref();
  }

  private async renewLeases(): Promise<void> {
    if (this.held.size === 0) return;
    try {
      await this.deps.store.delivery.renewLeases(
        this.owner,
        [...this.held],
        this.deps.clock.now() + this.options.leaseMs,
      );
    } catch (error) {
      this.deps.log.error({ err: error }, "renewing leases failed");
    }
  }

  /** New work was accepted: look at the queue now rather than at the next poll. */
  poke(): void {
    this.wake?.();
  }

  /**
   * Messages were accepted in this process. Transactional ones that are due are claimed at once by their
   * uuids, beside the claim loop rather than after it: that loop is kept busy by a campaign (a claim each
   * time a bulk message finishes, each a commit), and an OTP used to wait for its turn there. Anything
   * else wakes the loop.
   */
  accepted(messages: readonly Message[]): void {
    const now = this.deps.clock.now();
    let other = false;
    for (const m of messages) {
      if (m.priority === Priority.TRANSACTIONAL && m.deliveryAt * 1000 <= now) this.urgent.add(m.uuid);
      else other = true;
    }
    if (other) this.poke();
    if (this.urgent.size > 0 && this.running && !this.claimingUrgent) {
      const task = this.claimUrgent().finally(() => this.pending.delete(task));
      this.pending.add(task);
    }
  }

  private async claimUrgent(): Promise<void> {
    this.claimingUrgent = true;
    try {
      while (this.urgent.size > 0 && this.running) {
        const room = Math.min(this.options.maxInFlight - this.inFlight, this.options.batchSize);
        if (room <= 0) {
          // Nothing more may be in flight: the loop takes them (transactional first) as room frees.
          this.urgent.clear();
          this.poke();
          break;
        }
        const uuids = [...this.urgent].slice(0, room);
        for (const uuid of uuids) this.urgent.delete(uuid);
        // Rows the loop (or another process) claimed meanwhile are simply not returned.
        const claimed = await this.deps.store.delivery.claimQueued(
          this.owner,
          uuids,
          this.deps.clock.now(),
          this.options.leaseMs,
        );
        this.launch(claimed);
      }
    } catch (error) {
      this.deps.log.error({ err: error }, "claiming accepted messages failed");
      // They are in the queue: the loop claims them.
      this.urgent.clear();
      this.poke();
    } finally {
      this.claimingUrgent = false;
    }
  }

  /** Stops claiming and waits for claimed messages to finish; unfinished leases lapse and are reclaimed. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.maintenance);
    clearInterval(this.renewal);
    this.wake?.();
    await this.loopDone;
    await Promise.allSettled([...this.pending]);
    for (const connector of this.deps.connectors.values()) connector.off("receipt", this.onReceipt);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async loop(): Promise<void> {
    const { store, clock, log } = this.deps;
    // Bulk is claimed a quarter of its budget at a time, not one row each time one finishes: a campaign
    // made this loop claim (a commit each) for every bulk message, and the OTPs' own commits queued
    // behind those claims.
    const bulkBatch = Math.max(1, Math.floor(this.options.bulkMaxInFlight / 4));
    let lastLaneClaim = 0;
    while (this.running) {
      const room = this.options.maxInFlight - this.inFlight;
      const bulkRoom = Math.min(room, this.options.bulkMaxInFlight - this.bulkInFlight);
      if (room <= 0) {
        await this.sleep(this.options.pollIntervalMs);
        continue;
      }
      const takeBulk = bulkRoom >= bulkBatch || (bulkRoom > 0 && this.bulkInFlight === 0);
      // Without bulk to take, the transactional lane alone is looked at, every few ms at most (this
      // process's own OTPs are claimed directly, see accepted(); these are other processes').
      const laneWait = lastLaneClaim + Math.min(10, this.options.pollIntervalMs) - clock.now();
      if (!takeBulk && laneWait > 0) {
        await this.sleep(laneWait);
        continue;
      }
      let claimed: ClaimedMessage[] = [];
      try {
        // With the bulk budget spent, only the transactional lane is claimed; otherwise both, transactional
        // first, no more than the bulk budget allows.
        if (!takeBulk) lastLaneClaim = clock.now();
        claimed = takeBulk
          ? await store.delivery.claimDue(
              this.owner,
              clock.now(),
              Math.min(bulkRoom, this.options.batchSize),
              this.options.leaseMs,
            )
          : await store.delivery.claimDue(
              this.owner,
              clock.now(),
              Math.min(room, this.options.batchSize),
              this.options.leaseMs,
              Priority.TRANSACTIONAL,
            );
      } catch (error) {
        log.error({ err: error }, "claiming due messages failed");
      }
      if (claimed.length === 0) {
        await this.sleep(this.options.pollIntervalMs);
        continue;
      }
      this.launch(claimed);
    }
  }

  /** Delivers claimed messages, each counted in flight (and in the bulk lane) until it is recorded. */
  private launch(claimed: ClaimedMessage[]): void {
    this.stats.claimed += claimed.length;
    for (const item of claimed) {
      const bulk = item.message.priority !== Priority.TRANSACTIONAL;
      this.inFlight++;
      if (bulk) this.bulkInFlight++;
      this.held.add(item.message.uuid);
      const task = this.deliver(item)
        .catch((error) =>
          this.deps.log.error({ err: error, uuid: item.message.uuid }, "delivery failed unexpectedly"),
        )
        .finally(() => {
          this.held.delete(item.message.uuid);
          this.inFlight--;
          if (bulk) this.bulkInFlight--;
          this.pending.delete(task);
          this.wake?.();
        });
      this.pending.add(task);
    }
  }

  private async deliver({ message, attempts, accepted, unknownOutcomes = 0 }: ClaimedMessage): Promise<void> {
    const { clock, connectors, routes } = this.deps;
    const now = clock.now();
    /** The connector that answered the last submit (the console's attempt rows name it). */
    let answered: string | undefined;
    const record = (decision: SubmitDecision) => {
      if (decision.kind === "submitted") this.stats.submitted++;
      else if (decision.kind === "retry") this.stats.retried++;
      else this.stats.failed++;
      const outcome = this.outcome(message, decision, answered);
      if (outcome.kind !== "submitted" && outcome.unknownOutcome) outcome.sentAt = now;
      return this.deps.store.delivery.record([outcome], clock.now());
    };

    const unknownEarlier = unknownOutcomes > 0;
    const expired = expiredBeforeSubmit(message, now, this.options.validityMs, accepted, unknownEarlier);
    if (expired) return record(expired);
    const isVoice = VOICE_SERVICES.includes(message.serviceCode);
    const route = matchRoute(routes, {
      phone: message.phone,
      iso2: message.iso2,
      accountId: message.accountId,
      serviceCode: message.serviceCode,
    });
    if (!route) return record(failure(Status.NO_ROUTE, Dlr.NONE, "no route"));

    const earlier = accepted?.smscIds ?? [];
    const request: SubmitRequest = {
      messageId: message.uuid,
      source: message.senderId,
      destination: message.phone,
      encoding: message.encoding,
      parts: encodeText(message.text ?? "", message.encoding === "ucs2").parts,
      registeredDelivery: true,
      validitySeconds: Math.max(60, Math.floor((validUntil(message, this.options.validityMs) - now) / 1000)),
      ...(earlier.length > 0 ? { firstPart: earlier.length } : {}),
      ...(isVoice ? { voice: voiceContent(message) } : {}),
      ...(message.priority === Priority.TRANSACTIONAL ? { transactional: true } : {}),
    };

    // A message with accepted parts stays on their connector: no other SMSC could join the rest to them.
    const candidates = (accepted ? [accepted.connectorId] : route.connectors).filter((id) =>
      // A voice message is a call, never an SMS; an SMS never goes to a voice trunk.
      (connectors.get(id)?.services ?? ["direct"]).includes(message.serviceCode),
    );
    if (candidates.length === 0)
      return record(
        failure(Status.NO_ROUTE, Dlr.NONE, `no connector of the route carries ${message.serviceCode}`),
      );
    let attempt: SubmitAttempt = {
      ok: false,
      kind: "temporary",
      reason: accepted
        ? `connector ${accepted.connectorId} of the accepted parts is down`
        : "no connector of the route is up",
      accepted,
      anyUp: false,
    };
    for (const id of candidates) {
      const connector = connectors.get(id);
      if (!connector?.isUp()) continue;
      const result = await connector.submit(request);
      answered = id;
      if (result.ok) {
        attempt = { ok: true, connectorId: id, smscIds: [...earlier, ...result.smscIds] };
        break;
      }
      const sofar = [...earlier, ...result.acceptedSmscIds];
      attempt = {
        ok: false,
        kind: result.kind,
        reason: result.reason,
        accepted: sofar.length > 0 ? { connectorId: id, smscIds: sofar } : undefined,
        anyUp: true,
        unknownEarlier,
      };
      if (result.late) this.recordLateAcceptance(message, id, earlier, result.late);
      // Fail over only when this connector took nothing; a rejection is the network's answer, and so is
      // a busy or unanswered phone (another trunk would ring the same phone). An unknown outcome is no
      // answer: another SMSC could get a second copy of a message the first one has.
      if (
        result.kind === "permanent" ||
        result.kind === "unknown" ||
        result.kind === "unanswered" ||
        sofar.length > 0
      )
        break;
    }
    if (isVoice) {
      const policy = { ...this.options.retry, voicePauseMs: this.options.voiceRetryPauseMs ?? 60_000 };
      return record(decideAfterCall(attempt, attempts, message.attemptsCountMax, clock.now(), policy));
    }
    const deadline = validUntil(message, this.options.validityMs);
    return record(
      decideAfterAttempt(attempt, attempts, clock.now(), this.options.retry, Math.random, deadline),
    );
  }

  /**
   * The SMSC answered a submit after it had timed out: the message is on the network with these ids after
   * all. Recorded as its submit (the queue row goes; a resubmission already made is kept as a later one),
   * so its receipt, or query_sm, ends it.
   */
  private recordLateAcceptance(
    message: Message,
    connectorId: string,
    earlier: string[],
    late: Promise<string[] | undefined>,
  ): void {
    const task = late
      .then((ids) => {
        if (!ids) return;
        this.stats.submitted++;
        this.deps.log.info({ uuid: message.uuid, connectorId }, "submit accepted after its timeout");
        const at = this.deps.clock.now();
        return this.deps.store.delivery.record(
          [{ kind: "submitted", message, connectorId, smscIds: [...earlier, ...ids], at }],
          at,
        );
      })
      .catch((error) =>
        this.deps.log.error({ err: error, uuid: message.uuid }, "recording a late acceptance failed"),
      );
    // Not waited for on stop: the connection going down ends the wait (nothing came).
    void task;
  }

  private outcome(message: Message, decision: SubmitDecision, answered?: string): DeliveryOutcome {
    const { owner } = this;
    switch (decision.kind) {
      case "submitted":
        return {
          kind: "submitted",
          message,
          connectorId: decision.connectorId,
          smscIds: decision.smscIds,
          at: this.deps.clock.now(),
        };
      case "retry":
        return { owner, message, ...decision, ...(answered ? { connectorId: answered } : {}) };
      case "failed":
        return { owner, message, ...decision, ...(answered ? { connectorId: answered } : {}) };
    }
  }

  private receipt(event: ReceiptEvent): void {
    this.stats.receipts++;
    const stored = this.deps.store.delivery.applyReceipts(
      [
        {
          connectorId: event.connectorId,
          smscId: event.smscId,
          state: event.state,
          ...(event.errorCode !== undefined ? { errorCode: event.errorCode } : {}),
          ...receiptAddresses(event),
        },
      ],
      this.deps.clock.now(),
    );
    // The SMSC gets its deliver_sm_resp once the receipt is stored (or an error, so it sends it again).
    event.waitUntil?.(stored);
    const task = stored
      .catch((error) => this.deps.log.error({ err: error }, "recording a receipt failed"))
      .finally(() => this.pending.delete(task));
    this.pending.add(task);
  }

  private async expireStale(): Promise<void> {
    try {
      const now = this.deps.clock.now();
      const expired = await this.deps.store.delivery.expireStale(now - this.options.validityMs, now);
      if (expired > 0) this.deps.log.info({ expired }, "messages without a final receipt expired");
    } catch (error) {
      this.deps.log.error({ err: error }, "expiring stale messages failed");
    }
  }
}

/** What a voice connector speaks: the text, read as SSML when the service (or a <speak> document) says so. */
function voiceContent(message: Message) {
  const text = message.text ?? "";
  return {
    text,
    ssml: checkVoiceText(text, message.serviceCode as "text2speech" | "text2speech_ssml").ssml,
    lang: message.voiceLang,
    destinationIso2: message.iso2,
  };
}
