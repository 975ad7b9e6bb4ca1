/**
 * One SIP stack (the `sip` package: RFC 3261 parser, UDP and TCP transports, client and server transactions
 * with their retransmission timers) on a local address, with requests routed to the dialog they belong to.
 *
 * The package binds its UDP and TCP sockets itself, takes port 0 for "5060" and has no handler for a bind
 * error; so the port is checked (or, for 0, chosen) here first, with the same address on both transports.
 */
import { createSocket } from "node:dgram";
import { createServer } from "node:net";
import sip, { type Remote, type SipRequest, type SipResponse, type Stack } from "sip";

export type RequestHandler = (request: SipRequest, remote: Remote) => void;

export interface SipStackOptions {
  address: string;
  /** 0 = any free port (the same on UDP and TCP). */
  port: number;
  /** Requests outside any registered dialog (a new INVITE to an answering endpoint); default: 481. */
  onRequest?: RequestHandler;
  /** Address to write into Via and Contact when it differs from the bind address (NAT). */
  publicAddress?: string;
}

export class SipStack {
  private readonly dialogs = new Map<string, RequestHandler>();
  private constructor(
    readonly address: string,
    readonly port: number,
    private readonly stack: Stack,
  ) {}

  static async open(options: SipStackOptions): Promise<SipStack> {
    const port = await reservePort(options.address, options.port);
    let self: SipStack | undefined;
    const stack = sip.create(
      {
        address: options.address,
        port,
        publicAddress: viaHost(options.publicAddress ?? options.address),
        udp: true,
        tcp: true,
      },
      (request, remote) => self?.dispatch(request, remote, options.onRequest),
    );
    self = new SipStack(options.publicAddress ?? options.address, port, stack);
    return self;
  }

  send(request: SipRequest | SipResponse, onResponse?: (response: SipResponse) => void): void {
    this.stack.send(request, onResponse);
  }

  /** In-dialog requests (BYE, re-INVITE, ACK) for this Call-ID go to the handler until it is removed. */
  onDialog(callId: string, handler: RequestHandler): () => void {
    this.dialogs.set(callId, handler);
    return () => {
      if (this.dialogs.get(callId) === handler) this.dialogs.delete(callId);
    };
  }

  close(): void {
    this.stack.destroy();
  }

  private dispatch(request: SipRequest, remote: Remote, fallback: RequestHandler | undefined): void {
    const handler = this.dialogs.get(request.headers["call-id"]);
    if (handler) handler(request, remote);
    else if (fallback) fallback(request, remote);
    else if (request.method !== "ACK")
      this.stack.send(sip.makeResponse(request, 481, "Call/Transaction Does Not Exist"));
  }
}

/**
 * The name the package writes into Via is also the name it takes for "this host": a request to that host
 * is routed back into the stack itself instead of onto the wire. Two stacks on one loopback address (the
 * gateway and the built-in endpoint simulator, or a test's SIPp) would then never reach each other, so on
 * loopback the Via says "localhost" (the same host by name). Responses are routed by the connection (TCP)
 * or by rport and the source address (UDP, RFC 3581), not by this name.
 */
function viaHost(address: string): string {
  return /^127\.|^::1$/.test(address) ? "localhost" : address;
}

/** A port free on both UDP and TCP at this address: the given one (checked) or, for 0, one the system picks. */
export async function reservePort(address: string, port: number): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = createSocket(address.includes(":") ? "udp6" : "udp4");
    try {
      const chosen = await new Promise<number>((resolve, reject) => {
        udp.once("error", reject);
        udp.bind(port, address, () => resolve(udp.address().port));
      });
      const tcp = createServer();
      const tcpFree = await new Promise<boolean>((resolve, reject) => {
        tcp.once("error", (error: NodeJS.ErrnoException) =>
          error.code === "EADDRINUSE" && port === 0 ? resolve(false) : reject(error),
        );
        tcp.listen(chosen, address, () => resolve(true));
      });
      if (tcpFree) await new Promise<void>((resolve) => tcp.close(() => resolve()));
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      if (tcpFree) return chosen;
    } catch (error) {
      try {
        udp.close();
      } catch {}
      throw new Error(`SIP port ${address}:${port} is not free: ${(error as Error).message}`);
    }
  }
  throw new Error(`no port free on both UDP and TCP at ${address}`);
}
