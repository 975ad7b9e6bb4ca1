/**
 * Typed access to the untyped `smpp` package (0.5.1), the only place that touches it directly.
 *
 * What we rely on, read from node_modules/smpp/lib/*.js:
 * - `new PDU(command, fields)` builds a PDU; `session.send(pdu)` writes it and returns false (and never calls
 *   back) when the socket is not writable, so callers need their own timeouts.
 * - A PDU with a non-zero command_status is written header-only (no body), which SMSCs accept for errors.
 * - Sessions emit `pdu` for every PDU, `error` (crashes the process if unhandled) and `close`.
 *   After a PDU parse error the session stops reading for good, so an `error` must end the connection.
 * - `tls: true` in the connect options makes it use tls.connect (the URL form is `ssmpp://`, not `smpps://`);
 *   `connect` then fires before the handshake and `secureConnect` after it.
 * - On receipt the library decodes short_message/message_payload into `{ message: string, udh?: Buffer[] }`
 *   using its own guess of the alphabet, which is lossy (packed GSM, Latin-1 under data_coding 0).
 *   installRawCapture() keeps the original octets beside that result so we decode them ourselves.
 */
import type { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import type { Server, Socket } from "node:net";

export type PduFields = Record<string, unknown>;

export interface Pdu extends PduFields {
  command: string;
  command_id: number;
  command_status: number;
  sequence_number: number;
  isResponse(): boolean;
  response(fields?: PduFields): Pdu;
}

export interface LibSession extends EventEmitter {
  socket: Socket;
  send(pdu: Pdu, onResponse?: (pdu: Pdu) => void, onSent?: (pdu: Pdu) => void): boolean;
  close(callback?: () => void): void;
  destroy(callback?: () => void): void;
}

export interface LibServer extends Server {
  sessions: LibSession[];
}

interface MessageFilter {
  decode: (this: unknown, value: unknown, skipUdh?: boolean) => unknown;
  encode: (this: unknown, value: unknown) => unknown;
}

interface SmppLib {
  PDU: new (command: string, fields?: PduFields) => Pdu;
  connect(options: PduFields): LibSession;
  createServer(options: PduFields, listener?: (session: LibSession) => void): LibServer;
  filters: { message: MessageFilter & { [RAW_MARK]?: true } };
  errors: Record<string, number>;
}

const RAW_MARK = Symbol.for("starling.smpp.rawCapture");
const require = createRequire(import.meta.url);
const smpp = require("smpp") as SmppLib;

/**
 * Wraps the library's message decoder so the decoded object also carries `raw` (non-enumerable):
 * the exact octets from the wire. Additive and idempotent; the library's own result is unchanged.
 */
function installRawCapture(): void {
  const filter = smpp.filters.message;
  if (filter[RAW_MARK]) return;
  const decode = filter.decode;
  filter.decode = function (this: unknown, value: unknown, skipUdh?: boolean): unknown {
    const result = decode.call(this, value, skipUdh);
    if (Buffer.isBuffer(value) && result !== null && typeof result === "object" && !Buffer.isBuffer(result)) {
      Object.defineProperty(result, "raw", { value, enumerable: false });
    }
    return result;
  };
  filter[RAW_MARK] = true;
}
installRawCapture();

export function createPdu(command: string, fields: PduFields = {}): Pdu {
  return new smpp.PDU(command, fields);
}

export function connectSession(options: PduFields): LibSession {
  return smpp.connect(options);
}

export function createLibServer(options: PduFields, listener: (session: LibSession) => void): LibServer {
  return smpp.createServer(options, listener);
}

/** The original octets of a short_message or message_payload field, however the library left it. */
export function rawOctets(field: unknown): Buffer | undefined {
  if (field === undefined || field === null) return undefined;
  if (Buffer.isBuffer(field)) return field;
  if (typeof field === "object") {
    const raw = (field as { raw?: unknown }).raw;
    if (Buffer.isBuffer(raw)) return raw;
  }
  if (typeof field === "string") return Buffer.from(field, "latin1");
  return undefined;
}

/**
 * The library writes every PDU with its own socket.write, one syscall each. Corking until the next tick
 * sends all PDUs produced in one burst (a window of submits, answers to a batch of requests) in one write.
 */
export function coalesceWrites(socket: Socket): void {
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  socket.write = ((...args: unknown[]) => {
    if (!corked && !socket.destroyed) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    return write(...args);
  }) as Socket["write"];
}
