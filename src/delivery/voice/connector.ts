/**
 * The voice connector: a message becomes a phone call through one SIP trunk. submit() synthesises the text
 * (cached for the message's later attempts), dials, and answers once the callee picks up (or the call
 * fails); the call then plays on, and a receipt reports how it ended: DELIVRD when the whole message was
 * played, UNDELIV when the callee hung up first.
 *
 * Failure kinds for the dispatcher: busy or unanswered → "unanswered" (retried after a pause, up to the
 * message's attempts_count_max, never on another trunk: the same phone would ring); invalid number or
 * another refusal → "permanent"; trunk unreachable or 5xx → "temporary" (the next connector of the route,
 * or a retry), and the connector is down until the trunk answers an OPTIONS probe.
 */
import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import type { Connector, ConnectorEvents, SubmitRequest, SubmitResult } from "../connector.js";
import type { VoiceSettings } from "./config.js";
import { Lines } from "./lines.js";
import { type CallResult, placeCall, type Trunk } from "./sip/call.js";
import { probeTrunk } from "./sip/probe.js";
import { SipStack } from "./sip/stack.js";
import { Synthesiser } from "./speech/synthesiser.js";

export class VoiceConnector extends EventEmitter<ConnectorEvents> implements Connector {
  readonly id: string;
  readonly services = ["text2speech", "text2speech_ssml"] as const;
  private stack: SipStack | undefined;
  private up = false;
  private stopped = false;
  private probeTimer: NodeJS.Timeout | undefined;
  private readonly lines: Lines;
  private readonly synth: Synthesiser;
  private readonly trunk: Trunk;
  private readonly calls = new Set<Promise<CallResult>>();
  /** Jitter figures for the benchmark: per-packet lateness of the calls played so far (ms). */
  readonly lateness: number[] = [];

  constructor(
    private readonly settings: VoiceSettings,
    private readonly log: Logger,
  ) {
    super();
    this.id = settings.id;
    this.lines = new Lines(settings.maxConcurrentCalls);
    this.synth = new Synthesiser({ binary: settings.espeakBinary, wordsPerMinute: settings.wordsPerMinute });
    this.trunk = {
      host: settings.host,
      port: settings.port,
      transport: settings.transport,
      ...(settings.username !== undefined ? { username: settings.username } : {}),
      ...(settings.password !== undefined ? { password: settings.password } : {}),
      ...(settings.domain !== undefined ? { domain: settings.domain } : {}),
      ringTimeoutMs: settings.ringTimeoutSeconds * 1000,
      maxCallMs: settings.maxCallSeconds * 1000,
      codecs: settings.codecs,
    };
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.stack = await SipStack.open({
      address: this.settings.localAddress,
      port: this.settings.localPort,
      ...(this.settings.publicAddress ? { publicAddress: this.settings.publicAddress } : {}),
    });
    this.setUp(true);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.probeTimer);
    this.setUp(false);
    // Calls under way end by themselves (BYE at the end of their audio); wait for them, bounded.
    await Promise.race([Promise.allSettled([...this.calls]), new Promise((r) => setTimeout(r, 5000))]);
    this.stack?.close();
    this.stack = undefined;
  }

  isUp(): boolean {
    return this.up && !this.stopped;
  }

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    const refused = (kind: "temporary" | "permanent" | "unanswered", reason: string): SubmitResult => ({
      ok: false,
      kind,
      reason,
      acceptedSmscIds: [],
    });
    const stack = this.stack;
    if (!stack || !this.isUp()) return refused("temporary", `voice connector ${this.id} is down`);
    if (!request.voice) return refused("permanent", "not a voice message");
    const voice = request.voice;
    const release = await this.lines.acquire();
    let speech: Awaited<ReturnType<Synthesiser["speech"]>>;
    try {
      speech = await this.synth.speech({
        messageId: request.messageId,
        text: voice.text,
        ssml: voice.ssml,
        lang: voice.lang,
        destinationIso2: voice.destinationIso2,
      });
    } catch (error) {
      release();
      this.log.error({ err: error, uuid: request.messageId }, "speech synthesis failed");
      return refused("temporary", `speech synthesis failed: ${(error as Error).message}`);
    }
    if (!this.isUp()) {
      release();
      return refused("temporary", `voice connector ${this.id} is down`);
    }

    return new Promise<SubmitResult>((resolve) => {
      const call = placeCall(stack, this.trunk, {
        callee: request.destination,
        caller:
          this.settings.callerId ?? (/^\+?\d{3,15}$/.test(request.source) ? request.source : "starling"),
        audio: speech,
        onAnswered: (callId) => resolve({ ok: true, smscIds: [callId] }),
      });
      this.calls.add(call);
      call
        .then((result) => {
          this.lateness.push(...result.lateness);
          if (this.lateness.length > 100_000) this.lateness.splice(0, this.lateness.length - 100_000);
          const answered = result.outcome === "played" || result.outcome === "hung_up_early";
          if (answered) {
            this.synth.forget(request.messageId);
            this.emit("receipt", {
              connectorId: this.id,
              smscId: result.callId,
              state: result.outcome === "played" ? "DELIVRD" : "UNDELIV",
              doneAt: new Date(),
            });
            return;
          }
          this.log.info(
            { uuid: request.messageId, outcome: result.outcome, reason: result.reason },
            "call not answered",
          );
          switch (result.outcome) {
            case "busy":
            case "no_answer":
              resolve(refused("unanswered", result.reason));
              return;
            case "trunk_down":
              this.trunkDown(result.reason);
              resolve(refused("temporary", result.reason));
              return;
            default:
              this.synth.forget(request.messageId);
              resolve(refused("permanent", result.reason));
          }
        })
        .catch((error) => resolve(refused("temporary", (error as Error).message)))
        .finally(() => {
          release();
          this.calls.delete(call);
        });
    });
  }

  private setUp(up: boolean, reason?: string): void {
    if (this.up === up) return;
    this.up = up;
    if (up) this.emit("up");
    else this.emit("down", reason ? new Error(reason) : undefined);
  }

  /** Down until an OPTIONS probe gets any answer: a trunk that answers at all can take calls again. */
  private trunkDown(reason: string): void {
    if (this.stopped) return;
    this.setUp(false, reason);
    clearTimeout(this.probeTimer);
    const probe = () => {
      if (this.stopped || !this.stack) return;
      probeTrunk(this.stack, this.trunk, this.settings.probeSeconds * 1000).then((answered) => {
        if (this.stopped) return;
        if (answered) this.setUp(true);
        else this.probeTimer = setTimeout(probe, this.settings.probeSeconds * 1000);
      });
    };
    this.probeTimer = setTimeout(probe, Math.min(1000, this.settings.probeSeconds * 1000));
  }
}
