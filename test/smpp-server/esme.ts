/**
 * A test ESME: the `smpp` library's client session, with promise-based requests and a log of the
 * deliver_sm it receives (answered at once unless `answerDelivers` is turned off).
 */
import { connect as netConnect, type Socket } from "node:net";
import {
  connectSession,
  createPdu,
  type LibSession,
  type Pdu,
  type PduFields,
} from "../../src/delivery/smpp/lib.js";
import { issueSmppLogin } from "../../src/smpp-server/credentials.js";
import type { TestGateway } from "../helpers/gateway.js";

export class TestEsme {
  readonly delivers: Pdu[] = [];
  readonly enquireLinks: Pdu[] = [];
  answerDelivers = true;
  closed = false;

  private constructor(readonly lib: LibSession) {
    lib.on("error", () => {});
    lib.on("close", () => {
      this.closed = true;
    });
    lib.on("pdu", (pdu: Pdu) => {
      if (pdu.command === "deliver_sm") {
        this.delivers.push(pdu);
        if (this.answerDelivers) lib.send(pdu.response());
      } else if (pdu.command === "enquire_link") {
        this.enquireLinks.push(pdu);
        lib.send(pdu.response());
      }
    });
  }

  static connect(port: number, options: PduFields = {}): Promise<TestEsme> {
    return new Promise((resolve, reject) => {
      const lib = connectSession({ host: "127.0.0.1", port, ...options });
      lib.once("connect", () => resolve(new TestEsme(lib)));
      lib.once("error", reject);
    });
  }

  request(command: string, fields: PduFields = {}, timeoutMs = 10_000): Promise<Pdu> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${command}`)), timeoutMs);
      const sent = this.lib.send(createPdu(command, fields), (response) => {
        clearTimeout(timer);
        resolve(response);
      });
      if (!sent) {
        clearTimeout(timer);
        reject(new Error("connection closed"));
      }
    });
  }

  bind(type: "transceiver" | "transmitter" | "receiver", systemId: string, password: string): Promise<Pdu> {
    return this.request(`bind_${type}`, { system_id: systemId, password, interface_version: 0x34 });
  }

  submit(fields: PduFields): Promise<Pdu> {
    return this.request("submit_sm", {
      source_addr_ton: 5,
      source_addr: "Starling",
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: "491701234567",
      data_coding: 0,
      ...fields,
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.lib.once("close", () => resolve());
      this.lib.destroy();
    });
  }
}

/** Gateway settings with the SMPP server on and the simulator as the network (fast receipts). */
export const SMPP_SERVER_ON = {
  "smppServer.enabled": true,
  "smppServer.port": 0,
  "smppServer.throughputPerSecond": 0,
  "smppServer.maxBindsPerAccount": 50,
  "delivery.enabled": true,
  "delivery.simulator.enabled": true,
  "delivery.simulator.port": 0,
  "delivery.simulator.receiptDelayMs": 20,
  "delivery.pollIntervalMs": 20,
};

/** GSM 03.38 unpacked: ASCII letters and digits are their own septets. */
export const gsm = (text: string) => Buffer.from(text, "latin1");

export async function smppLogin(gw: TestGateway, keyId = gw.keyId) {
  return issueSmppLogin(gw.gateway.deps, keyId);
}

/** A raw socket, for PDUs the library would not build. */
export function rawSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, "127.0.0.1", () => resolve(socket));
    socket.once("error", reject);
  });
}

export function pduBytes(commandId: number, seq: number, body: Buffer = Buffer.alloc(0), status = 0): Buffer {
  const head = Buffer.alloc(16);
  head.writeUInt32BE(16 + body.length, 0);
  head.writeUInt32BE(commandId, 4);
  head.writeUInt32BE(status, 8);
  head.writeUInt32BE(seq, 12);
  return Buffer.concat([head, body]);
}

/** Reads whole PDUs (header fields only) from a raw socket. */
export function pduReader(socket: Socket): { pdus: { id: number; status: number; seq: number }[] } {
  const state = { pdus: [] as { id: number; status: number; seq: number }[] };
  let buffer = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    while (buffer.length >= 16 && buffer.length >= buffer.readUInt32BE(0)) {
      const length = buffer.readUInt32BE(0);
      state.pdus.push({
        id: buffer.readUInt32BE(4),
        status: buffer.readUInt32BE(8),
        seq: buffer.readUInt32BE(12),
      });
      buffer = buffer.subarray(length);
    }
  });
  return state;
}
