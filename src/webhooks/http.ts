/**
 * POSTs webhook bodies with node:http/https over keep-alive connections. fetch (undici) spent ~15% of the
 * delivery stage's CPU on web streams, abort signals and transferables for what is a small POST whose
 * answer body is thrown away.
 */
import http from "node:http";
import https from "node:https";

export class WebhookClient {
  private readonly agents: { "http:": http.Agent; "https:": https.Agent };

  /** `socketsPerOrigin` bounds the connections to one receiver; more requests wait for a free one. */
  constructor(socketsPerOrigin: number) {
    // Idle sockets are closed after 4 s (or sooner if the receiver says so in Keep-Alive), before the
    // usual 5 s server-side idle timeout races a request onto a closing socket.
    const options = { keepAlive: true, maxSockets: socketsPerOrigin, timeout: 4_000 };
    this.agents = { "http:": new http.Agent(options), "https:": new https.Agent(options) };
  }

  /**
   * The response's status code. Redirects are not followed (a 3xx is the receiver's answer, and a failure).
   * Rejects on a network error or when the whole exchange takes longer than `timeoutMs`.
   */
  async post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<number> {
    const target = new URL(url);
    try {
      return await this.once(target, headers, body, timeoutMs);
    } catch (error) {
      // The receiver closed an idle keep-alive connection as we reused it: nothing reached it, try once more.
      if ((error as { staleConnection?: boolean }).staleConnection) return this.once(target, headers, body, timeoutMs);
      throw error;
    }
  }

  private once(url: URL, headers: Record<string, string>, body: string, timeoutMs: number): Promise<number> {
    const agent = url.protocol === "http:" || url.protocol === "https:" ? this.agents[url.protocol] : undefined;
    if (!agent) return Promise.reject(new Error(`unsupported URL scheme ${url.protocol}`));
    const send = url.protocol === "https:" ? https.request : http.request;
    return new Promise((resolve, reject) => {
      let answered = false;
      const request = send(
        url,
        { method: "POST", agent, headers: { ...headers, "content-length": Buffer.byteLength(body) } },
        (response) => {
          answered = true;
          response.on("error", fail);
          response.on("end", () => {
            clearTimeout(timer);
            resolve(response.statusCode ?? 0);
          });
          response.resume();
        },
      );
      const timer = setTimeout(() => request.destroy(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      function fail(error: Error) {
        clearTimeout(timer);
        // Only a reset before any answer on a reused socket is a stale connection; once the receiver has
        // started answering, it has the event, and sending again would deliver it twice.
        const stale = !answered && request.reusedSocket && (error as NodeJS.ErrnoException).code === "ECONNRESET";
        reject(Object.assign(error, { staleConnection: stale }));
      }
      request.on("error", fail);
      request.end(body);
    });
  }

  close(): void {
    this.agents["http:"].destroy();
    this.agents["https:"].destroy();
  }
}
