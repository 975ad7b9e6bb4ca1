/**
 * One outbound call through a SIP trunk (RFC 3261 UAC): INVITE with an SDP offer of PCMU/PCMA, digest
 * authentication when challenged (401/407), CANCEL when it rings too long, ACK, the message as an RTP
 * stream, BYE when the audio ends, or answering the far end's BYE when it hangs up first.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import type { NameAddr, SipRequest, SipResponse } from "sip";
import digest, { type DigestSession } from "sip/digest.js";
import { RtpStream } from "../rtp/stream.js";
import { buildAudioSdp, readAudioSdp } from "../sdp.js";
import { type G711Codec, PAYLOAD_TYPES } from "../speech/g711.js";
import { type CallOutcomeKind, outcomeOfStatus } from "./outcome.js";
import type { SipStack } from "./stack.js";

export interface Trunk {
  host: string;
  port: number;
  transport: "udp" | "tcp";
  /** Digest credentials, when the trunk challenges. */
  username?: string;
  password?: string;
  /** Host part of the request URI and To (a provider's domain); default host. */
  domain?: string;
  /** CANCEL after this long without an answer. */
  ringTimeoutMs: number;
  /** Hang up after this long whatever happens (a stuck call must not hold a line forever). */
  maxCallMs: number;
  /** Offered in this order. */
  codecs: readonly G711Codec[];
}

export interface CallRequest {
  /** Number to call: E.164 with or without "+". */
  callee: string;
  /** Caller id (user part of From). */
  caller: string;
  audio: Readonly<Record<G711Codec, Uint8Array>>;
  /** Called once when the callee answers (the call then goes on: the result comes when it ends). */
  onAnswered?(callId: string): void;
}

export interface CallResult {
  outcome: CallOutcomeKind;
  /** Final SIP status of the INVITE, when there was one. */
  status?: number;
  reason: string;
  callId: string;
  codec?: G711Codec;
  packetsSent: number;
  /** Per-packet lateness behind the 20 ms schedule (ms). */
  lateness: number[];
}

const tag = () => randomBytes(6).toString("hex");

export function placeCall(stack: SipStack, trunk: Trunk, request: CallRequest): Promise<CallResult> {
  return new OutboundCall(stack, trunk, request).run();
}

class OutboundCall {
  private readonly callId = `${randomUUID()}@starling`;
  private readonly from: NameAddr;
  private readonly requestUri: string;
  private cseq = 1;
  private auth: DigestSession | undefined;
  private triedAuth = false;
  private heardFromFarEnd = false;
  private heardAnything = false;
  private cancelled = false;
  private answered = false;
  private finished = false;
  private invite!: SipRequest;
  private rtp!: Socket;
  private stream: RtpStream | undefined;
  private remoteTarget = "";
  private remoteTo: NameAddr | undefined;
  private routeSet: NameAddr[] = [];
  private ringTimer: NodeJS.Timeout | undefined;
  private callTimer: NodeJS.Timeout | undefined;
  private resolve!: (result: CallResult) => void;
  private codec: G711Codec | undefined;
  private streamResult: { packetsSent: number; lateness: number[] } = { packetsSent: 0, lateness: [] };
  private removeDialog: (() => void) | undefined;

  constructor(
    private readonly stack: SipStack,
    private readonly trunk: Trunk,
    private readonly request: CallRequest,
  ) {
    const user = request.callee.replace(/^\+/, "");
    const transport = trunk.transport === "tcp" ? ";transport=tcp" : "";
    this.requestUri = `sip:${user}@${trunk.domain ?? trunk.host}:${trunk.port}${transport}`;
    const callerUser = request.caller.replace(/[^0-9A-Za-z+]/g, "") || "starling";
    this.from = { uri: `sip:${callerUser}@${stack.address}`, params: { tag: tag() } };
  }

  async run(): Promise<CallResult> {
    this.rtp = createSocket("udp4");
    this.rtp.on("error", () => {});
    this.rtp.on("message", () => {}); // the callee's audio (if any) is not used
    await new Promise<void>((resolve) => this.rtp.bind(0, this.stack.address, () => resolve()));
    this.removeDialog = this.stack.onDialog(this.callId, (rq) => this.inDialog(rq));
    const result = new Promise<CallResult>((resolve) => {
      this.resolve = resolve;
    });
    this.ringTimer = setTimeout(() => this.ringTimeout(), this.trunk.ringTimeoutMs);
    this.callTimer = setTimeout(() => this.hangUp("maximum call duration reached"), this.trunk.maxCallMs);
    this.sendInvite();
    return result;
  }

  private sendInvite(challenge?: SipResponse): void {
    const sdp = buildAudioSdp({
      address: this.stack.address,
      port: this.rtp.address().port,
      codecs: this.trunk.codecs,
    });
    this.invite = this.newRequest("INVITE", this.requestUri, { uri: this.requestUri, params: {} }, sdp);
    this.invite.headers["content-type"] = "application/sdp";
    if (challenge) this.sign(this.invite, challenge);
    else if (this.auth) digest.signRequest(this.auth, this.invite);
    this.stack.send(this.invite, (rs) => this.onInviteResponse(rs));
  }

  private newRequest(method: string, uri: string, to: NameAddr, content?: string): SipRequest {
    const transport = this.trunk.transport === "tcp" ? ";transport=tcp" : "";
    return {
      method,
      uri,
      headers: {
        to,
        from: this.from,
        "call-id": this.callId,
        cseq: {
          method,
          seq: method === "ACK" || method === "CANCEL" ? this.invite.headers.cseq.seq : this.cseq++,
        },
        via: [],
        contact: [{ uri: `sip:starling@${this.stack.address}:${this.stack.port}${transport}`, params: {} }],
        "max-forwards": 70,
        "user-agent": "Starling",
        ...(this.routeSet.length > 0 && method !== "CANCEL" ? { route: this.routeSet } : {}),
      },
      ...(content ? { content } : {}),
    };
  }

  private sign(request: SipRequest, challenge: SipResponse): void {
    this.auth = {};
    digest.signRequest(this.auth, request, challenge, {
      user: this.trunk.username ?? "",
      password: this.trunk.password ?? "",
    });
  }

  private onInviteResponse(rs: SipResponse): void {
    if (rs.status >= 100) this.heardAnything = true;
    if (this.finished) {
      // A 2xx retransmitted after we hung up, or arriving after our CANCEL: acknowledge and end it.
      if (rs.status >= 200 && rs.status < 300) this.acknowledgeAndBye(rs);
      return;
    }
    if (rs.status < 200) {
      if (rs.status > 100) this.heardFromFarEnd = true;
      // A CANCEL may only follow a provisional response (RFC 3261 §9.1): one deferred by ringTimeout goes now.
      if (this.cancelled && rs.status > 100) this.sendCancel();
      return;
    }
    if ((rs.status === 401 || rs.status === 407) && !this.triedAuth && this.trunk.username) {
      this.triedAuth = true;
      this.sendInvite(rs);
      return;
    }
    if (rs.status >= 300) {
      const outcome = outcomeOfStatus(rs.status, {
        heardFromFarEnd: this.heardFromFarEnd,
        cancelled: this.cancelled,
      });
      this.finish({ outcome, status: rs.status, reason: `${rs.status} ${rs.reason}`.trim() });
      return;
    }
    if (this.answered) {
      this.ack(rs); // retransmitted 2xx: our ACK was lost
      return;
    }
    this.answered = true;
    clearTimeout(this.ringTimer);
    if (!this.cancelled) this.request.onAnswered?.(this.callId);
    this.remoteTo = rs.headers.to;
    this.remoteTarget = rs.headers.contact?.[0]?.uri ?? this.requestUri;
    const recordRoute = rs.headers["record-route"] as NameAddr[] | undefined;
    this.routeSet = recordRoute ? [...recordRoute].reverse() : [];
    this.ack(rs);
    if (this.cancelled) {
      // Answered just as we cancelled: the call exists, so end it properly.
      this.bye();
      this.finish({ outcome: "no_answer", status: rs.status, reason: "answered after the ringing timeout" });
      return;
    }
    const answer = rs.content ? readAudioSdp(rs.content, this.trunk.codecs) : undefined;
    if (!answer) {
      this.bye();
      this.finish({
        outcome: "rejected",
        status: rs.status,
        reason: "the answer accepts none of the offered codecs",
      });
      return;
    }
    this.codec = answer.codec;
    this.stream = new RtpStream(
      this.rtp,
      answer,
      PAYLOAD_TYPES[answer.codec],
      this.request.audio[answer.codec],
    );
    this.stream.play().then((played) => {
      this.streamResult = played;
      if (played.reason === "ended" && !this.finished) {
        this.bye();
        this.finish({ outcome: "played", status: rs.status, reason: "message played" });
      }
    });
  }

  private ack(rs: SipResponse): void {
    const ack = this.newRequest("ACK", rs.headers.contact?.[0]?.uri ?? this.requestUri, rs.headers.to);
    if (this.auth) digest.signRequest(this.auth, ack);
    this.stack.send(ack);
  }

  private acknowledgeAndBye(rs: SipResponse): void {
    if (!this.remoteTo) {
      this.remoteTo = rs.headers.to;
      this.remoteTarget = rs.headers.contact?.[0]?.uri ?? this.requestUri;
      this.ack(rs);
      this.bye();
    } else {
      this.ack(rs);
    }
  }

  private ringTimeout(): void {
    if (this.answered || this.finished || this.cancelled) return;
    this.cancelled = true;
    if (this.heardAnything) {
      this.sendCancel();
      return;
    }
    // Not even a 100 Trying by now: nothing is listening. The transaction still runs (a late 2xx is
    // acknowledged and hung up), but the message need not wait for its 32 s timeout.
    this.finish({ outcome: "trunk_down", reason: "no response from the trunk" });
  }

  private sendCancel(): void {
    // The INVITE transaction of the `sip` package waits for a final response forever once it had a
    // provisional one; RFC 3261 §9.1 gives the CANCELled INVITE 64 × T1 (32 s) to end.
    setTimeout(
      () => this.finish({ outcome: "no_answer", reason: "no final response after CANCEL" }),
      32_000,
    ).unref();
    // CANCEL copies the INVITE's Request-URI, Call-ID, From, To, CSeq number and top Via (its branch).
    const cancel: SipRequest = {
      method: "CANCEL",
      uri: this.invite.uri,
      headers: {
        to: this.invite.headers.to,
        from: this.invite.headers.from,
        "call-id": this.callId,
        cseq: { method: "CANCEL", seq: this.invite.headers.cseq.seq },
        via: [this.invite.headers.via[0]!],
        "max-forwards": 70,
      },
    };
    this.stack.send(cancel, () => {});
  }

  private bye(): void {
    if (!this.remoteTo) return;
    const bye = this.newRequest("BYE", this.remoteTarget, this.remoteTo);
    let challenged = false;
    const onResponse = (rs: SipResponse) => {
      if ((rs.status === 401 || rs.status === 407) && !challenged && this.trunk.username) {
        challenged = true;
        const again = this.newRequest("BYE", this.remoteTarget, this.remoteTo!);
        this.sign(again, rs);
        this.stack.send(again, onResponse);
      }
    };
    if (this.auth) digest.signRequest(this.auth, bye);
    this.stack.send(bye, onResponse);
  }

  private inDialog(rq: SipRequest): void {
    if (rq.method === "ACK") return;
    if (rq.method === "BYE") {
      this.stack.send(this.response(rq, 200, "OK"));
      if (!this.finished) {
        const sent = this.stream?.packetsSent ?? 0;
        const total = this.stream?.packetCount ?? 0;
        this.stream?.stop();
        this.finish({
          outcome: "hung_up_early",
          status: 200,
          reason: `the far end hung up after ${sent} of ${total} packets`,
        });
      }
      return;
    }
    // Re-INVITEs, INFO, UPDATE: this user agent does not renegotiate a one-way announcement.
    this.stack.send(
      this.response(
        rq,
        rq.method === "INVITE" ? 488 : 200,
        rq.method === "INVITE" ? "Not Acceptable Here" : "OK",
      ),
    );
  }

  private response(rq: SipRequest, status: number, reason: string): SipResponse {
    return {
      status,
      reason,
      headers: {
        via: rq.headers.via,
        to: rq.headers.to,
        from: rq.headers.from,
        "call-id": rq.headers["call-id"],
        cseq: rq.headers.cseq,
      },
    };
  }

  private hangUp(reason: string): void {
    if (this.finished) return;
    if (this.answered) {
      this.stream?.stop();
      this.bye();
      this.finish({ outcome: "hung_up_early", reason });
    } else {
      this.ringTimeout();
    }
  }

  private finish(result: Omit<CallResult, "callId" | "packetsSent" | "lateness">): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.ringTimer);
    clearTimeout(this.callTimer);
    this.stream?.stop();
    // Stream results settle on the next tick; read them then, and keep the dialog briefly for late BYE answers.
    setImmediate(() => {
      this.resolve({
        ...result,
        callId: this.callId,
        ...(this.codec ? { codec: this.codec } : {}),
        packetsSent: this.stream ? this.streamResult.packetsSent : 0,
        lateness: this.streamResult.lateness,
      });
      setTimeout(() => {
        this.removeDialog?.();
        this.rtp.close();
      }, 2000).unref();
    });
  }
}
