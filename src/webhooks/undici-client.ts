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
    const target = new URL(url);
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

  private async once(
    url: URL,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<number> {
    const abort = new AbortController();
    const timedOut = new Error(`timed out after ${timeoutMs} ms`);
    const timer = setTimeout(() => abort.abort(timedOut), timeoutMs);
    let answered = false;
    try {
      const response = await this.agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: "POST",
        headers,
        body,
        signal: abort.signal,
      });
      answered = true;
      // The answer's body is not used, but it is read to its end, so the connection can be reused and a
      // connection that breaks mid-answer is an error (the receiver may have the event: not sent again).
      for await (const _ of response.body) {
        // discarded
      }
      return response.statusCode;
    } catch (error) {
      if (abort.signal.aborted) throw timedOut;
      // Only a close before any answer is a stale connection; once the receiver has started answering, it
      // has the event, and sending again would deliver it twice.
      throw Object.assign(error as Error, { staleConnection: !answered && staleConnection(error) });
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    return this.agent.destroy();
  }
}

/**
 * Closed by the receiver before any answer, on a connection that had carried answers before (so it was
 * reused): the request met a connection the receiver had already let go.
 */
function staleConnection(error: unknown): boolean {
  if (!(error instanceof errors.SocketError)) return false;
  return (error.socket?.bytesRead ?? 0) > 0;
}
