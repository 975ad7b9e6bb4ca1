/**
 * The delivery port in memory, running the same core rules as the SQL writer (core/delivery/rules.ts), one
 * item after another. Fast unit tests of the rules run on it; the store contract keeps it honest.
 */
import type { Decided } from "../../core/delivery/rules.js";
import {
  applyReceipt,
  expire,
  matchReceipt,
  recordFailure,
  recordFoundSubmit,
  recordSubmit,
} from "../../core/delivery/rules.js";
import { normaliseAddress, RECEIPT_TEXT_LENGTH } from "../../core/delivery/unknown-receipts.js";
import type { DeliveryState } from "../../core/delivery/state.js";
import { awaitsReceipt, type PartState } from "../../core/delivery-state.js";
import { Dlr, type Message, Status } from "../../core/message.js";
import type {
  ClaimedMessage,
  DeliveryOutcome,
  DeliveryStore,
  ReceiptUpdate,
  WebhookRenderer,
} from "../ports/index.js";
import { type MemoryTables, type QueueRow, smscKey } from "./state.js";
import { keepUnknownAttempt, takeUnknownPairs } from "./unknown-receipts.js";
import { enqueueEvents } from "./webhooks.js";

export function memoryDelivery(t: MemoryTables, render: WebhookRenderer): DeliveryStore {
  /** Runs a rule on a message's state and applies what it decided (status, dlr, erased text, event). */
  const decide = <D extends Decided>(
    m: Message,
    rule: (s: DeliveryState) => D | "later_submission" | undefined,
  ) => {
    const s: DeliveryState = { ...m, isTextDeleted: m.isTextDeleted };
    const decided = rule(s);
    if (decided === undefined || decided === "later_submission") return decided;
    m.statusCode = decided.change.statusCode;
    m.dlrCode = decided.change.dlrCode;
    if (decided.change.eraseText) m.text = null;
    enqueueEvents(t, [
      { accountId: m.accountId, ...render(decided.event), now: decided.event.at, about: m.uuid },
    ]);
    return decided;
  };

  const applyOne = (r: ReceiptUpdate, now: number, late: boolean) => {
    const part = matchReceipt(t.partsById.get(smscKey(r.connectorId, r.smscId)) ?? []);
    if (!part) {
      // Its submit is not recorded yet: the receipt waits for it.
      const { source, ...rest } = r;
      t.waiting.push({
        id: t.nextId++,
        ...rest,
        ...(source !== undefined ? { source: normaliseAddress(source) } : {}),
        ...(r.text !== undefined ? { text: [...r.text].slice(0, RECEIPT_TEXT_LENGTH).join("") } : {}),
        errorCode: r.errorCode ?? null,
        receivedAt: now,
      });
      if (source !== undefined) linkUnknown(now);
      return;
    }
    if (late && part.state !== "ENROUTE") return;
    part.state = r.state;
    part.errorCode = r.errorCode ?? null;
    part.updatedAt = now;
    const m = t.messages.get(part.uuid);
    if (part.resubmitted || !m) return;
    const states = new Map<number, PartState>(
      [...(t.partsOf.get(m.uuid)?.values() ?? [])].map((p) => [p.partIndex, p.state as PartState]),
    );
    decide(m, (s) => applyReceipt(s, states, part.partIndex, r.state, now));
  };

  /** Pairs unknown attempts with waiting receipts: the copy's id becomes its part's, then the receipt applies. */
  const linkUnknown = (now: number) => {
    for (const { attempt, receipt } of takeUnknownPairs(t)) {
      const m = t.messages.get(attempt.uuid);
      if (!m) continue;
      const { id: _id, receivedAt: _at, errorCode, ...rest } = receipt;
      const withError = errorCode !== null ? { errorCode } : {};
      if (attempt.submittedByAnother) {
        // The earlier copy was delivered: its receipt goes to the part the resubmission recorded.
        const part = t.partsOf.get(m.uuid)?.get(attempt.partIndex);
        if (part && awaitsReceipt(part.state))
          applyOne({ connectorId: part.connectorId, smscId: part.smscId, state: rest.state, ...withError }, now, false);
        continue;
      }
      t.addPart({
        uuid: m.uuid,
        partIndex: attempt.partIndex,
        connectorId: attempt.connectorId,
        smscId: receipt.smscId,
        state: "ENROUTE",
        errorCode: null,
        updatedAt: now,
        resubmitted: false,
      });
      if (attempt.partIndex === m.partsCount - 1) {
        const decided = decide(m, (s) => recordFoundSubmit(s, now));
        if (decided) {
          m.isSent = true;
          m.gatewaySentAt = Math.floor(attempt.sentAt / 1000);
          t.queue.delete(m.uuid);
        }
      }
      applyOne({ ...rest, ...withError }, now, false);
    }
  };

  /** Receipts that waited for parts recorded by now (and still awaiting one), oldest first. */
  const takeWaiting = (now: number, matches: (r: { connectorId: string; smscId: string }) => boolean) => {
    const taken = t.waiting.filter(matches);
    if (taken.length === 0) return;
    const ids = new Set(taken.map((w) => w.id));
    t.waiting.splice(0, t.waiting.length, ...t.waiting.filter((w) => !ids.has(w.id)));
    for (const w of taken) {
      const receipt = {
        connectorId: w.connectorId,
        smscId: w.smscId,
        state: w.state,
        ...(w.errorCode !== null ? { errorCode: w.errorCode } : {}),
      };
      applyOne(receipt, now, true);
    }
  };

  const addParts = (
    uuid: string,
    connectorId: string,
    smscIds: readonly string[],
    now: number,
    resubmitted: boolean,
  ) => {
    for (const [partIndex, smscId] of smscIds.entries()) {
      t.addPart({
        uuid,
        partIndex,
        connectorId,
        smscId,
        state: "ENROUTE",
        errorCode: null,
        updatedAt: now,
        resubmitted,
      });
    }
    const ids = new Set(smscIds.map((id) => smscKey(connectorId, id)));
    takeWaiting(now, (w) => ids.has(smscKey(w.connectorId, w.smscId)));
  };

  const recordOne = (o: DeliveryOutcome, now: number) => {
    const m = t.messages.get(o.message.uuid);
    const row = t.queue.get(o.message.uuid);
    if (o.kind === "submitted") {
      // A submit removes the queue row whoever holds it: the message went out.
      t.queue.delete(o.message.uuid);
      const decided = m ? decide(m, (s) => recordSubmit(s, now)) : "later_submission";
      if (m && decided !== "later_submission") {
        m.isSent = true;
        m.gatewaySentAt = Math.floor(o.at / 1000);
      }
      addParts(o.message.uuid, o.connectorId, o.smscIds, now, decided === "later_submission");
      return;
    }
    if (o.kind === "retry") {
      if (o.accepted) addParts(o.message.uuid, o.accepted.connectorId, o.accepted.smscIds, now, false);
      if (!row || row.leaseOwner !== o.owner) return; // taken over: its new holder decides
      keepUnknownAttempt(t, o, o.accepted?.smscIds.length ?? 0, now);
      Object.assign(row, {
        dueAt: o.dueAt,
        leaseOwner: null,
        leaseUntil: null,
        lastError: o.error.slice(0, 500),
      });
      row.attempts += o.countAttempt ? 1 : 0;
      if (o.unknownOutcome) row.unknownOutcomes = (row.unknownOutcomes ?? 0) + 1;
      if (o.unknownOutcome) linkUnknown(now);
      return;
    }
    const holdsClaim = row !== undefined && row.leaseOwner === o.owner;
    if (holdsClaim) keepUnknownAttempt(t, o, 0, now);
    if (holdsClaim) t.queue.delete(o.message.uuid);
    if (!m) return;
    const decided = decide(m, (s) =>
      recordFailure(s, { ...o, priceMicros: o.message.priceMicros }, holdsClaim, now),
    );
    if (decided && decided !== "later_submission" && decided.refundMicros > 0) {
      const account = t.accounts.get(m.accountId)!;
      account.balanceMicros += decided.refundMicros;
      account.balanceChangedAt = now;
    }
    if (holdsClaim && o.unknownOutcome) linkUnknown(now);
  };

  const lease = (
    due: [string, QueueRow][],
    owner: string,
    now: number,
    leaseMs: number,
  ): ClaimedMessage[] => {
    return due.map(([uuid, row]) => {
      // still leased to a holder whose lease lapsed: it may have sent the message (see sql/delivery/queue.ts)
      if (row.leaseOwner !== null) row.unknownOutcomes = (row.unknownOutcomes ?? 0) + 1;
      Object.assign(row, { leaseOwner: owner, leaseUntil: now + leaseMs });
      const message = { ...t.messages.get(uuid)! };
      const parts = [...(t.partsOf.get(uuid)?.values() ?? [])].sort((a, b) => a.partIndex - b.partIndex);
      const inOrder = parts.filter((p, i) => p.partIndex === i);
      return {
        message,
        attempts: row.attempts,
        ...(row.unknownOutcomes ? { unknownOutcomes: row.unknownOutcomes } : {}),
        ...(inOrder.length > 0
          ? { accepted: { connectorId: inOrder[0]!.connectorId, smscIds: inOrder.map((p) => p.smscId) } }
          : {}),
      };
    });
  };

  return {
    async claimDue(owner, now, limit, leaseMs, onlyPriority): Promise<ClaimedMessage[]> {
      const due = [...t.queue.entries()]
        .filter(([, r]) => r.dueAt <= now && (onlyPriority === undefined || r.priority === onlyPriority))
        .filter(([, r]) => r.leaseUntil === null || r.leaseUntil < now)
        .sort(([, a], [, b]) => a.priority - b.priority || a.dueAt - b.dueAt)
        .slice(0, limit);
      return lease(due, owner, now, leaseMs);
    },
    async claimQueued(owner, uuids, now, leaseMs): Promise<ClaimedMessage[]> {
      const due = uuids.flatMap((uuid): [string, QueueRow][] => {
        const row = t.queue.get(uuid);
        return row && row.dueAt <= now && (row.leaseUntil === null || row.leaseUntil < now)
          ? [[uuid, row]]
          : [];
      });
      return lease(due, owner, now, leaseMs);
    },
    async renewLeases(owner, uuids, until) {
      for (const uuid of uuids) {
        const row = t.queue.get(uuid);
        if (row?.leaseOwner === owner) row.leaseUntil = until;
      }
    },
    async record(outcomes, now) {
      for (const o of outcomes) recordOne(o, now);
    },
    async applyReceipts(receipts, now) {
      for (const r of receipts) applyOne(r, now, false);
    },
    async expireStale(sentBefore, now) {
      takeWaiting(
        now,
        (w) => matchReceipt(t.partsById.get(smscKey(w.connectorId, w.smscId)) ?? []) !== undefined,
      );
      linkUnknown(now);
      t.waiting.splice(0, t.waiting.length, ...t.waiting.filter((w) => w.receivedAt >= sentBefore));
      t.unknownSubmits.splice(
        0,
        t.unknownSubmits.length,
        ...t.unknownSubmits.filter((a) => a.recordedAt >= sentBefore),
      );
      const stale = [...t.messages.values()].filter(
        (m) =>
          m.statusCode === Status.TRANSMITTED &&
          (m.dlrCode === Dlr.NONE || m.dlrCode === Dlr.EN_ROUTE) &&
          m.gatewaySentAt < Math.floor(sentBefore / 1000),
      );
      for (const m of stale.slice(0, 1000)) decide(m, (s) => expire(s, now));
      return Math.min(stale.length, 1000);
    },
    async enRouteParts(since, before, limit, cursor) {
      const after = (p: { updatedAt: number; uuid: string; partIndex: number }) =>
        !cursor ||
        p.updatedAt > cursor.submittedAt ||
        (p.updatedAt === cursor.submittedAt &&
          (p.uuid > cursor.messageUuid || (p.uuid === cursor.messageUuid && p.partIndex > cursor.partIndex)));
      const parts = [...t.partsOf.values()]
        .flatMap((byIndex) => [...byIndex.values()])
        .filter(
          (p) =>
            (p.state === "ENROUTE" || p.state === "ACCEPTD") && p.updatedAt >= since && p.updatedAt < before,
        )
        .filter(after)
        .filter((p) => {
          const m = t.messages.get(p.uuid);
          return (
            m?.statusCode === Status.TRANSMITTED && (m.dlrCode === Dlr.NONE || m.dlrCode === Dlr.EN_ROUTE)
          );
        })
        .sort(
          (a, b) =>
            a.updatedAt - b.updatedAt ||
            (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : a.partIndex - b.partIndex),
        );
      return parts.slice(0, limit).map((p) => ({
        messageUuid: p.uuid,
        partIndex: p.partIndex,
        connectorId: p.connectorId,
        smscId: p.smscId,
        source: t.messages.get(p.uuid)!.senderId,
        submittedAt: p.updatedAt,
      }));
    },
    async queueDepth() {
      const rows = [...t.queue.values()];
      return {
        transactional: rows.filter((r) => r.priority === 0).length,
        bulk: rows.filter((r) => r.priority === 1).length,
      };
    },
  };
}
