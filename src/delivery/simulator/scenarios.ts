/** What the simulated SMSC does with one submit_sm under the current scenario. Pure apart from its counters. */
import type { ReceiptState } from "../connector.js";
import { Status } from "../smpp/status.js";
import { type ScenarioName, type ScenarioOptions, SIMULATOR_DEFAULTS } from "./options.js";

export interface PlannedReceipt {
  state: ReceiptState;
  /** network error code carried in err: and network_error_code. */
  error: number;
  delayMs: number;
  /** The message reaches this state but its receipt is never sent (query_sm still tells). */
  lost?: boolean;
}

export type SubmitDecision =
  /** `loseResponse`: the SMSC takes the message but its submit_sm_resp never reaches the ESME. */
  | { action: "accept"; receipt: PlannedReceipt; loseResponse?: "silence" | "cut" }
  | { action: "refuse"; status: number }
  | { action: "blackhole" }
  | { action: "drop" };

export interface SubmitContext {
  /** Destination digits without "+". */
  destination: string;
  /** Submits seen on this connection so far, this one included. */
  connectionSubmits: number;
  now: number;
}

export class ScenarioEngine {
  #name: ScenarioName;
  #options: ScenarioOptions;
  #count = 0;
  #secondStart = 0;
  #inSecond = 0;
  #random: () => number;

  constructor(
    name: ScenarioName,
    options: ScenarioOptions,
    private readonly receiptDelayMs: number,
    seed = 1,
  ) {
    this.#name = name;
    this.#options = options;
    this.#random = mulberry32(seed);
  }

  get name(): ScenarioName {
    return this.#name;
  }

  get options(): Readonly<ScenarioOptions> {
    return this.#options;
  }

  /** Switches scenario; counters restart so "every Nth" counts from the switch. */
  set(name: ScenarioName, options: ScenarioOptions = {}): void {
    this.#name = name;
    this.#options = options;
    this.#count = 0;
    this.#inSecond = 0;
  }

  decide(ctx: SubmitContext): SubmitDecision {
    this.#count++;
    const o = this.#options;
    const delivered: SubmitDecision = {
      action: "accept",
      receipt: { state: "DELIVRD", error: 0, delayMs: this.receiptDelayMs },
    };
    switch (this.#name) {
      case "deliver":
        return delivered;
      case "reject":
        if (!this.#rejects(ctx.destination)) return delivered;
        if (o.rejectAt === "receipt") {
          return {
            action: "accept",
            receipt: { state: o.rejectState ?? "UNDELIV", error: 1, delayMs: this.receiptDelayMs },
          };
        }
        return { action: "refuse", status: Status.ESME_RINVDSTADR };
      case "throttle":
        return this.#throttles(ctx.now) ? { action: "refuse", status: Status.ESME_RTHROTTLED } : delivered;
      case "drop":
        return ctx.connectionSubmits >= (o.dropAfter ?? SIMULATOR_DEFAULTS.dropAfter)
          ? { action: "drop" }
          : delivered;
      case "blackhole":
        return { action: "blackhole" };
      case "slow_receipts":
        return {
          action: "accept",
          receipt: {
            state: "DELIVRD",
            error: 0,
            delayMs: o.slowReceiptDelayMs ?? SIMULATOR_DEFAULTS.slowReceiptDelayMs,
          },
        };
      case "expire":
        return { action: "accept", receipt: { state: "EXPIRED", error: 0, delayMs: this.receiptDelayMs } };
      case "lose_receipts":
        return { action: "accept", receipt: { ...delivered.receipt, lost: true } };
      case "lose_responses":
        // The network has the message (it is delivered and receipted); only the answer to the ESME is lost.
        return this.#count <= (o.loseResponses ?? Number.POSITIVE_INFINITY)
          ? { ...delivered, loseResponse: o.loseResponseBy ?? "silence" }
          : delivered;
    }
  }

  /** With neither a prefix nor a fraction configured, everything is rejected. */
  #rejects(destination: string): boolean {
    const { rejectPrefix, rejectFraction } = this.#options;
    const prefix = rejectPrefix?.replace(/^\+/, "");
    if (prefix === undefined && rejectFraction === undefined) return true;
    if (prefix !== undefined && destination.startsWith(prefix)) return true;
    return rejectFraction !== undefined && this.#random() < rejectFraction;
  }

  #throttles(now: number): boolean {
    const { throttleEvery, throttleAbovePerSecond } = this.#options;
    if (throttleEvery && this.#count % throttleEvery === 0) return true;
    if (throttleAbovePerSecond === undefined) return false;
    if (now - this.#secondStart >= 1000) {
      this.#secondStart = now;
      this.#inSecond = 0;
    }
    this.#inSecond++;
    return this.#inSecond > throttleAbovePerSecond;
  }
}

/** registered_delivery bits 0–1: 1 = always, 2 = on failure only, 3 = on success only (SMPP 5). */
export function wantsReceipt(registeredDelivery: number, state: ReceiptState): boolean {
  const mode = registeredDelivery & 0x03;
  if (mode === 1) return true;
  if (mode === 2) return state !== "DELIVRD";
  if (mode === 3) return state === "DELIVRD";
  return false;
}

/** Small seeded PRNG: the same seed gives the same rejections, so tests stay deterministic. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
