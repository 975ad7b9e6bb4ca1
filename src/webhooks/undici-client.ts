/**
 * POSTs webhook bodies with undici's Agent (`request`, not `fetch`) over keep-alive connections: on this
 * machine ~40–60 µs of CPU per POST against node:http's ~120–150 (issue 12), with the same behaviour as
 * http.ts (the in-loop client): at most `socketsPerOrigin` connections to one receiver, redirects not
 * followed, one timeout for the whole exchange, one resend when a reused connection turns out closed.
 * undici 6 is the line that supports Node 20; `fetch` is what http.ts's comment warns about, not this.
 */
import { Agent, errors } from "undici";
import type { WebhookPoster } from "./threaded-client.js";

export class UndiciWebhookClient implements WebhookPoster {
  private readonly agent: Agent;

  constructor(socketsPerOrigin: number) {
    // Idle connections close after 4 s (sooner if the receiver's Keep-Alive says so), before the usual 5 s
    // server-side idle timeout races a request onto a closing connection.
    this.agent = new Agent({
      connections: socketsPerOrigin,
      keepAliveTimeout: 4_000,
      keepAliveMaxTimeout: 4_000,
    });
  }

  async post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<number> {
    const target = parsed(url);
    if (target.protocol !== "http:" && target.protocol !== "https:") {
      throw new Error(`unsupported URL scheme ${target.protocol}`);
    }
    try {
      return await this.once(target, headers, body, timeoutMs);
    } catch (error) {
      // The receiver closed an idle keep-alive connection as we reused it: nothing reached it, try once more.
      if ((error as { staleConnection?: boolean }).staleConnection)
        return this.once(target, headers, body, timeoutMs);
      throw error;
    }
  }

  /**
   * One exchange through undici's `dispatch` handler API rather than `request`: no Readable for an answer
   * whose body is thrown away and no AbortSignal for the timeout (the handler's abort is called instead),
   * which halved the client's CPU per POST in a probe.
   */
  private once(url: URL, headers: Record<string, string>, body: string, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      let status = 0;
      let answered = false;
      let abort: ((error: Error) => void) | undefined;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        const error = new Error(`timed out after ${timeoutMs} ms`);
        // Still waiting for a connection: fail now, and abort the request once it has one.
        if (abort) abort(error);
        else reject(error);
      }, timeoutMs);
      this.agent.dispatch(
        { origin: url.origin, path: `${url.pathname}${url.search}`, method: "POST", headers, body },
        {
          onConnect(abortRequest) {
            abort = abortRequest;
            if (timedOut) abortRequest(new Error(`timed out after ${timeoutMs} ms`));
          },
          onHeaders(statusCode) {
            answered = true;
            status = statusCode;
            return true;
          },
          // The answer's body is read to its end and dropped: the connection can then be reused, and one
          // that breaks mid-answer is an error (the receiver may have the event: not sent again).
          onData: () => true,
          onComplete() {
            clearTimeout(timer);
            resolve(status);
          },
          onError(error) {
            clearTimeout(timer);
            // Only a close before any answer is a stale connection; once the receiver has started
            // answering, it has the event, and sending again would deliver it twice.
            reject(
              Object.assign(error, { staleConnection: !answered && !timedOut && staleConnection(error) }),
            );
          },
        },
      );
    });
  }

  close(): Promise<void> {
    return this.agent.destroy();
  }
}

/** Receivers' URLs, parsed once (a process has few). */
const urls = new Map<string, URL>();
function parsed(url: string): URL {
  let target = urls.get(url);
  if (!target) {
    target = new URL(url);
    if (urls.size >= 1000) urls.clear();
    urls.set(url, target);
  }
  return target;
}

/**
 * Closed by the receiver before any answer, on a connection that had carried answers before (so it was
 * reused): the request met a connection the receiver had already let go.
 */
function staleConnection(error: unknown): boolean {
  if (!(error instanceof errors.SocketError)) return false;
  return (error.socket?.bytesRead ?? 0) > 0;
}
