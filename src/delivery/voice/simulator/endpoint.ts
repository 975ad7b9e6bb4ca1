/**
 * The built-in SIP endpoint simulator: a phone network in a box for the demo and the tests, as the SMSC
 * simulator is for SMS. It answers INVITEs per scenario, records the RTP it receives, and can demand digest
 * authentication like a real trunk.
 */
import { randomBytes } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { EventEmitter } from "node:events";
import sip, { type NameAddr, type Remote, type SipRequest, type SipResponse } from "sip";
import digest, { type DigestSession } from "sip/digest.js";
import { parseRtpPacket } from "../rtp/packet.js";
import { buildAudioSdp, readAudioSdp } from "../sdp.js";
import { SipStack } from "../sip/stack.js";
import type { CallRecord } from "./recording.js";

/**
 * answer: rings briefly, answers, records until the caller's BYE. busy: 486. no-answer: rings until
 * cancelled (480 after noAnswerMs). reject: 404, as for a number that does not exist. hang-up-early:
 * answers, then hangs up itself after hangUpAfterMs. unavailable: 503, a trunk out of service.
 * silent: answers nothing at all, OPTIONS included (an unreachable trunk).
 */
export const SIP_SCENARIOS = [
  "answer",
  "busy",
  "no-answer",
  "reject",
  "hang-up-early",
  "unavailable",
  "silent",
] as const;
export type SipScenario = (typeof SIP_SCENARIOS)[number];
export const isSipScenario = (s: string): s is SipScenario =>
  (SIP_SCENARIOS as readonly string[]).includes(s);

export interface SipSimulatorOptions {
  host?: string;
  /** 0 = any free port. */
  port?: number;
  scenario?: SipScenario;
  /** Ringing before an answer. */
  ringMs?: number;
  /** no-answer: how long it rings before answering 480 itself (the caller normally cancels first). */
  noAnswerMs?: number;
  /** hang-up-early: the callee's BYE this long after answering. */
  hangUpAfterMs?: number;
  /** Require digest authentication with these credentials. */
  auth?: { username: string; password: string; realm?: string };
}

export interface SipSimulatorEvents {
  call: [CallRecord];
}

const tag = () => randomBytes(6).toString("hex");
const userOf = (uri: string) => sip.parseUri(uri)?.user ?? "";

interface LiveCall {
  record: CallRecord;
  rtp?: Socket;
  invite: SipRequest;
  localTo: NameAddr;
  timers: NodeJS.Timeout[];
  remote: Remote;
  acked?: boolean;
}

export class SipSimulator extends EventEmitter<SipSimulatorEvents> {
  /** Finished calls, oldest first. */
  readonly calls: CallRecord[] = [];
  /** Calls answered so far, finished or not (the last 1000). */
  readonly answered: CallRecord[] = [];
  private readonly live = new Map<string, LiveCall>();
  private readonly authSessions = new Map<string, DigestSession>();
  private readonly queued: SipScenario[] = [];
  private stack!: SipStack;
  scenario: SipScenario;

  constructor(private readonly options: SipSimulatorOptions = {}) {
    super();
    this.scenario = options.scenario ?? "answer";
  }

  get host(): string {
    return this.stack.address;
  }
  get port(): number {
    return this.stack.port;
  }

  async start(): Promise<this> {
    this.stack = await SipStack.open({
      address: this.options.host ?? "127.0.0.1",
      port: this.options.port ?? 5070,
      onRequest: (rq, remote) => this.onRequest(rq, remote),
    });
    return this;
  }

  /** The next calls take these scenarios in turn, then the default again. */
  queue(...scenarios: SipScenario[]): void {
    this.queued.push(...scenarios);
  }

  /** Resolves with the next call that ends (or one already ended matching the filter). */
  nextCall(filter: (c: CallRecord) => boolean = () => true, timeoutMs = 30_000): Promise<CallRecord> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off("call", listener);
        reject(new Error("no call ended in time"));
      }, timeoutMs);
      const listener = (record: CallRecord) => {
        if (!filter(record)) return;
        clearTimeout(timer);
        this.off("call", listener);
        resolve(record);
      };
      this.on("call", listener);
    });
  }

  async close(): Promise<void> {
    for (const call of this.live.values()) this.end(call);
    this.stack?.close();
  }

  private onRequest(rq: SipRequest, remote: Remote): void {
    const call = this.live.get(rq.headers["call-id"]);
    if (this.scenario === "silent" && this.queued.length === 0 && !call) return;
    if (rq.method === "OPTIONS") {
      this.stack.send(sip.makeResponse(rq, 200, "OK"));
      return;
    }
    if (rq.method === "INVITE" && !call) {
      this.onInvite(rq, remote);
      return;
    }
    if (!call) {
      if (rq.method !== "ACK") this.stack.send(sip.makeResponse(rq, 481, "Call/Transaction Does Not Exist"));
      return;
    }
    switch (rq.method) {
      case "ACK":
        call.acked = true;
        return;
      case "CANCEL":
        this.stack.send(sip.makeResponse(rq, 200, "OK"));
        if (call.record.status < 200) this.final(call, 487, "Request Terminated");
        return;
      case "BYE":
        this.stack.send(sip.makeResponse(rq, 200, "OK"));
        call.record.endedBy = "caller";
        this.end(call);
        return;
      default:
        this.stack.send(sip.makeResponse(rq, 200, "OK"));
    }
  }

  private onInvite(rq: SipRequest, remote: Remote): void {
    if (this.options.auth && !this.authenticated(rq)) return;
    this.stack.send(sip.makeResponse(rq, 100, "Trying"));
    const scenario = this.queued.shift() ?? this.scenario;
    if (scenario === "silent") return;
    const call: LiveCall = {
      invite: rq,
      remote,
      localTo: { ...rq.headers.to, params: { ...rq.headers.to.params, tag: tag() } },
      timers: [],
      record: {
        callId: rq.headers["call-id"],
        callee: userOf(rq.uri),
        caller: userOf(rq.headers.from.uri),
        scenario,
        status: 100,
        packets: [],
      },
    };
    this.live.set(call.record.callId, call);
    const later = (ms: number, fn: () => void) => call.timers.push(setTimeout(fn, ms));
    switch (scenario) {
      case "busy":
        this.final(call, 486, "Busy Here");
        return;
      case "reject":
        this.final(call, 404, "Not Found");
        return;
      case "unavailable":
        this.final(call, 503, "Service Unavailable");
        return;
      case "no-answer":
        this.provisional(call, 180, "Ringing");
        later(this.options.noAnswerMs ?? 60_000, () => this.final(call, 480, "Temporarily Unavailable"));
        return;
      default:
        this.provisional(call, 180, "Ringing");
        later(this.options.ringMs ?? 100, () => void this.answer(call, scenario === "hang-up-early"));
    }
  }

  private authenticated(rq: SipRequest): boolean {
    const auth = this.options.auth!;
    const callId = rq.headers["call-id"];
    const session = this.authSessions.get(callId);
    const credentials = {
      user: auth.username,
      password: auth.password,
      realm: auth.realm ?? "starling.test",
    };
    if (session && digest.authenticateRequest(session, rq, credentials)) return true;
    const fresh: DigestSession = { realm: credentials.realm };
    this.authSessions.set(callId, fresh);
    this.stack.send(digest.challenge(fresh, sip.makeResponse(rq, 401, "Unauthorized")));
    return false;
  }

  private provisional(call: LiveCall, status: number, reason: string): void {
    this.stack.send(this.response(call, status, reason));
  }

  private async answer(call: LiveCall, hangUpEarly: boolean): Promise<void> {
    const offer = call.invite.content ? readAudioSdp(call.invite.content) : undefined;
    if (!offer) return this.final(call, 488, "Not Acceptable Here");
    const rtp = createSocket("udp4");
    call.rtp = rtp;
    rtp.on("error", () => {});
    rtp.on("message", (packet) => {
      const parsed = parseRtpPacket(packet);
      if (parsed) call.record.packets.push({ ...parsed, payload: Buffer.from(parsed.payload) });
    });
    await new Promise<void>((resolve) => rtp.bind(0, this.stack.address, () => resolve()));
    if (!this.live.has(call.record.callId)) {
      rtp.close(); // cancelled meanwhile
      return;
    }
    call.record.codec = offer.codec;
    call.record.status = 200;
    call.record.answeredAt = Date.now();
    this.answered.push(call.record);
    if (this.answered.length > 1000) this.answered.shift();
    const answer = buildAudioSdp(
      { address: this.stack.address, port: rtp.address().port, codecs: [offer.codec] },
      "recvonly",
    );
    const ok = this.response(call, 200, "OK", answer);
    ok.headers["content-type"] = "application/sdp";
    this.stack.send(ok);
    // A UAS retransmits its 2xx until the ACK comes (RFC 3261 §13.3.1.4): T1, doubling up to T2.
    if (call.remote.protocol.toUpperCase() === "UDP") {
      const resend = (interval: number) =>
        call.timers.push(
          setTimeout(() => {
            if (call.acked || !this.live.has(call.record.callId)) return;
            this.stack.send(ok);
            resend(Math.min(interval * 2, 4000));
          }, interval),
        );
      resend(500);
    }
    if (hangUpEarly)
      call.timers.push(setTimeout(() => this.hangUp(call), this.options.hangUpAfterMs ?? 1000));
  }

  private hangUp(call: LiveCall): void {
    const target = call.invite.headers.contact?.[0]?.uri ?? call.invite.headers.from.uri;
    const transport =
      call.remote.protocol.toLowerCase() === "tcp" && !target.includes("transport=") ? ";transport=tcp" : "";
    this.stack.send(
      {
        method: "BYE",
        uri: target + transport,
        headers: {
          to: call.invite.headers.from,
          from: call.localTo,
          "call-id": call.record.callId,
          cseq: { method: "BYE", seq: 1 },
          via: [],
          "max-forwards": 70,
        },
      },
      () => {},
    );
    call.record.endedBy = "callee";
    // Late packets still count: give the caller a moment to notice the BYE.
    setTimeout(() => this.end(call), 100);
  }

  private final(call: LiveCall, status: number, reason: string): void {
    call.record.status = status;
    this.stack.send(this.response(call, status, reason));
    this.end(call);
  }

  private response(call: LiveCall, status: number, reason: string, content?: string): SipResponse {
    const rs = sip.makeResponse(call.invite, status, reason);
    rs.headers.to = call.localTo;
    const transport = call.remote.protocol.toLowerCase() === "tcp" ? ";transport=tcp" : "";
    rs.headers.contact = [
      { uri: `sip:sim@${this.stack.address}:${this.stack.port}${transport}`, params: {} },
    ];
    if (content) rs.content = content;
    return rs;
  }

  private end(call: LiveCall): void {
    if (!this.live.delete(call.record.callId)) return;
    for (const timer of call.timers) clearTimeout(timer);
    this.authSessions.delete(call.record.callId);
    call.record.endedAt = Date.now();
    call.rtp?.close();
    this.calls.push(call.record);
    if (this.calls.length > 1000) this.calls.shift();
    this.emit("call", call.record);
  }
}

export function startSipSimulator(options: SipSimulatorOptions = {}): Promise<SipSimulator> {
  return new SipSimulator(options).start();
}
