/**
 * Opening one SMPP connection: TCP or TLS, a time limit on getting connected, and a socket tuned for small
 * PDUs. The socket's events are handed on together with the Connection they belong to.
 */
import type { SmppTlsOptions } from "./config.js";
import { Connection } from "./connection.js";
import { coalesceWrites, connectSession, type Pdu } from "./lib.js";

export interface DialTarget {
  host: string;
  port: number;
  tls: boolean;
  tlsOptions?: SmppTlsOptions;
}

export interface DialHandlers {
  /** Connected (with TLS: handshake done), so ready to bind. */
  connected(conn: Connection): void;
  pdu(conn: Connection, pdu: Pdu): void;
  /** Failed, timed out or closed; `error` is undefined when we closed it on purpose. */
  lost(conn: Connection, error: Error | undefined): void;
}

/** Throws if the library cannot even begin to connect. */
export function dial(target: DialTarget, connectTimeoutMs: number, handlers: DialHandlers): Connection {
  const { host, port, tls, tlsOptions } = target;
  const lib = connectSession({ ...tlsOptions, host, port, tls });
  const conn = new Connection(lib);
  const connectTimer = setTimeout(
    () => handlers.lost(conn, new Error(`connect to ${host}:${port} timed out`)),
    connectTimeoutMs,
  );
  lib.on("error", (error: Error) => {
    clearTimeout(connectTimer);
    handlers.lost(conn, error);
  });
  lib.on("close", () => {
    clearTimeout(connectTimer);
    handlers.lost(conn, conn.closing ? undefined : new Error("connection closed by peer"));
  });
  lib.on("pdu", (pdu: Pdu) => handlers.pdu(conn, pdu));
  lib.once(tls ? "secureConnect" : "connect", () => {
    clearTimeout(connectTimer);
    // PDUs are small writes; with Nagle on, delayed ACKs add ~40 ms to a request/response round trip.
    lib.socket.setNoDelay(true);
    coalesceWrites(lib.socket);
    handlers.connected(conn);
  });
  return conn;
}
