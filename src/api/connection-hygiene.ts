/**
 * Every request the server reads gets an HTTP answer the client can read (issue 17 item 5, issue 11 item 4).
 *
 * Node closes a connection as soon as its last response is written. Bytes the client is still sending
 * then arrive at a closed socket, and the kernel answers them with a reset, which also throws away the
 * response the client had not read yet: Node's http client saw EPIPE instead of a 413 for a large body
 * refused before it was read, and the answer to a request followed by bytes after `Connection: close` was
 * lost. Node has no option for this, so, as web servers have long done ("lingering close"), a connection
 * that is being closed first stops writing, then reads and discards what still comes — a bounded amount,
 * for a bounded time — and closes once the client has finished (or a bound is reached).
 */
import type { Server } from "node:http";
import type { Socket } from "node:net";
import type { FastifyRequest } from "fastify";

/** What a closing connection still reads and throws away, at most (e.g. the rest of a refused body). */
export const DISCARD_LIMIT_BYTES = 16 * 1024 * 1024;
/** How long a closing connection waits for the client to finish sending. */
export const LINGER_MS = 10_000;

/** Ends the writing side now and closes the socket once the client is done, within the bounds above. */
export function lingeringClose(socket: Socket): void {
  if (socket.destroyed) return;
  if (socket.writable) socket.end();
  if ((socket as LingeringSocket)[lingering]) return;
  (socket as LingeringSocket)[lingering] = true;
  // Bytes are counted, not listened to: a 'data' listener would take the socket from Node's HTTP parser,
  // which keeps reading (and discarding the rest of a refused body) on its own.
  const readBefore = socket.bytesRead;
  const close = () => {
    clearTimeout(deadline);
    clearInterval(watch);
    socket.destroy();
  };
  const deadline = setTimeout(close, LINGER_MS);
  const watch = setInterval(() => {
    if (socket.bytesRead - readBefore > DISCARD_LIMIT_BYTES) close();
  }, 50);
  deadline.unref();
  watch.unref();
  socket.once("end", close);
  socket.once("close", () => {
    clearTimeout(deadline);
    clearInterval(watch);
  });
  socket.resume();
}

const lingering = Symbol("lingering");
type LingeringSocket = Socket & { [lingering]?: boolean };

/**
 * Makes every connection of `server` close by lingering. Node's HTTP server closes a connection after its
 * last response with `socket.destroySoon()` (undocumented, stable since Node 0.x), which destroys it as
 * soon as the response is written: this is the one place to change that.
 */
export function lingerOnClose(server: Server): void {
  server.on("connection", (socket: Socket) => {
    (socket as Socket & { destroySoon: () => void }).destroySoon = () => lingeringClose(socket);
  });
}

const STATUS: Record<string, [number, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, "Request Timeout"],
  HPE_HEADER_OVERFLOW: [431, "Request Header Fields Too Large"],
};

/** The response a client gets for bytes that are not HTTP Node can read. */
function clientErrorResponse(code: string | undefined): string {
  const [status, title] = STATUS[code ?? ""] ?? [400, "Bad Request"];
  const body = JSON.stringify({ title, status, detail: "The request could not be read as HTTP/1.1." });
  return (
    `HTTP/1.1 ${status} ${title}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

type HttpSocket = Socket & { _httpMessage?: { writableFinished: boolean; once(e: "finish", f: () => void): void } | null };

/**
 * fastify's `clientErrorHandler` (Node's 'clientError'): bytes Node could not parse as a request.
 * - Bytes after a request with `Connection: close` are not a request: that request is answered as usual
 *   and the rest is discarded (this used to answer 400 in place of the real answer, or reset it).
 * - Anything else gets its 400/408/431 — after the answer to the request before it, if one is still being
 *   prepared, so each request the server read gets its own answer — and the connection closes by lingering.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, rawSocket: Socket): void {
  const socket = rawSocket as HttpSocket;
  if (error.code === "ECONNRESET" || error.code === "EPIPE" || socket.destroyed) return;
  if (error.code === "HPE_CLOSED_CONNECTION") return;
  const answer = () => {
    if (socket.destroyed || !socket.writable) return;
    socket.write(clientErrorResponse(error.code));
    lingeringClose(socket);
  };
  const inFlight = socket._httpMessage;
  if (inFlight && !inFlight.writableFinished) inFlight.once("finish", () => setImmediate(answer));
  else answer();
}

/**
 * A GET, HEAD, DELETE or OPTIONS without a body has nothing to parse, whatever its Content-Type says:
 * `DELETE /sms/{uuid}` with `Content-Type: application/json` and no body was refused with 400 (empty JSON
 * body) before it was even authenticated. Dropping the header lets it through as the body-less request it is.
 */
export function ignoreContentTypeWithoutBody(request: FastifyRequest): void {
  const { method, headers } = request.raw;
  if (method !== "GET" && method !== "HEAD" && method !== "DELETE" && method !== "OPTIONS") return;
  if (headers["content-type"] === undefined || headers["transfer-encoding"] !== undefined) return;
  const length = headers["content-length"];
  if (length === undefined || length === "0") delete headers["content-type"];
}
