/**
 * The SMPP server customers bind to (SMPP 3.4, plain and optionally TLS): customers' ESMEs send like any
 * API client and receive receipts and inbound messages. Built on the `smpp` library's server, like the
 * simulator, with our own reader (framing.ts) so that malformed PDUs get generic_nack.
 */
import { readFileSync } from "node:fs";
import type { Logger } from "pino";
import type { AppDeps } from "../app/deps.js";
import type { InboundSms } from "../app/handle-inbound.js";
import type { IpBlocker } from "../app/ip-block.js";
import { createLibServer, createPdu, type LibServer, type Pdu } from "../delivery/smpp/lib.js";
import { Status } from "../delivery/smpp/status.js";
import type { AlphabetOptions } from "../delivery/smpp/text-codec.js";
import { bindTypeOf, onBind } from "./bind.js";
import type { SmppServerConfig } from "./config.js";
import { OutboxPump } from "./outbox-pump.js";
import { onCancel, onQuery } from "./query.js";
import { CustomerSession, type SessionEvents } from "./session.js";
import { SubmitHandler } from "./submit.js";
import { AccountThrottle } from "./throttle.js";

export interface SmppServerParts {
  deps: AppDeps;
  config: SmppServerConfig;
  log: Logger;
  ipBlocker: IpBlocker;
  /** delivery.validitySeconds: how long a message may wait, and so its receipt request. */
  validitySeconds: number;
}

export class SmppServer {
  readonly #servers: LibServer[] = [];
  readonly #sessions = new Set<CustomerSession>();
  readonly #submits: SubmitHandler;
  readonly #pump: OutboxPump;
  readonly #alphabet: AlphabetOptions;
  readonly #log: Logger;
  #rr = 0;
  #closed = false;
  port = 0;
  tlsPort = 0;

  constructor(private readonly p: SmppServerParts) {
    this.#log = p.log.child({ component: "smpp-server" });
    this.#alphabet = { gsm7Packing: p.config.gsm7Packing, defaultAlphabet: p.config.defaultAlphabet };
    this.#submits = new SubmitHandler({
      deps: p.deps,
      alphabet: this.#alphabet,
      throttle: new AccountThrottle(p.config.throughputPerSecond),
      concatTimeoutMs: p.config.concatTimeoutSeconds * 1000,
      maxValidityMs: p.validitySeconds * 1000,
    });
    this.#pump = new OutboxPump({
      deps: p.deps,
      log: this.#log,
      alphabet: this.#alphabet,
      responseTimeoutMs: p.config.responseTimeoutMs,
      receiverOf: (accountId) => this.#receiverOf(accountId),
      receivingAccounts: () => [
        ...new Set(
          this.#bound()
            .filter((s) => s.canReceive)
            .map((s) => s.account!.id),
        ),
      ],
    });
  }

  async listen(): Promise<void> {
    const { config } = this.p;
    this.port = await this.#listen({}, config.port);
    if (config.tls) {
      const tls = { key: readFileSync(config.tls.keyFile), cert: readFileSync(config.tls.certFile) };
      this.tlsPort = await this.#listen(tls, config.tls.port);
    }
    this.#pump.start();
    this.#log.info(
      { host: config.host, port: this.port, tlsPort: this.tlsPort || undefined },
      "SMPP server listening",
    );
  }

  /** An inbound SMS for `accountId`: kept for its receiving binds if the account uses SMPP at all. */
  async queueInbound(accountId: number, sms: InboundSms): Promise<void> {
    const { deps } = this.p;
    if (!(await deps.store.smppServer.hasLogin(accountId))) return;
    const now = deps.clock.now();
    await deps.store.smppServer.addInbound(
      accountId,
      { from: sms.from, to: sms.to, text: sms.text },
      now,
      now + this.p.validitySeconds * 1000,
    );
    this.#pump.poke();
  }

  /** Binds open now by type, e.g. ["receiver", "transmitter"] (for tests and metrics). */
  get bindTypes(): string[] {
    return this.#bound()
      .map((s) => s.bindType!)
      .sort();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#submits.close();
    const closing = this.#servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    await Promise.all([...this.#sessions].map((s) => s.unbind()));
    for (const s of this.#sessions) s.lib.destroy();
    // After the binds: their unanswered deliver_sm are settled now, and given back before the store closes.
    await this.#pump.stop();
    await Promise.all(closing);
  }

  async #listen(options: Record<string, unknown>, port: number): Promise<number> {
    const server = createLibServer(options, (lib) => {
      if (this.#closed) {
        lib.destroy();
        return;
      }
      const session = new CustomerSession(
        lib,
        {
          window: this.p.config.window,
          enquireLinkMs: this.p.config.enquireLinkSeconds * 1000,
          bindTimeoutMs: this.p.config.bindTimeoutSeconds * 1000,
          responseTimeoutMs: this.p.config.responseTimeoutMs,
        },
        this.#events,
        this.#log,
      );
      this.#sessions.add(session);
    });
    this.#servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, this.p.config.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.on("error", (error) => this.#log.error({ err: error }, "SMPP server error"));
    server.on("tlsClientError", (error) => this.#log.debug({ err: error }, "TLS handshake failed"));
    const address = server.address();
    return typeof address === "object" && address ? address.port : port;
  }

  #bound(): CustomerSession[] {
    return [...this.#sessions].filter((s) => s.bindType !== undefined && !s.closed);
  }

  #receiverOf(accountId: number): CustomerSession | undefined {
    const receivers = this.#bound().filter((s) => s.canReceive && s.account!.id === accountId);
    if (receivers.length === 0) return undefined;
    return receivers[this.#rr++ % receivers.length];
  }

  readonly #events: SessionEvents = {
    closed: (session) => {
      this.#sessions.delete(session);
    },
    malformed: (session, _commandId, seq) => {
      session.send(createPdu("generic_nack", { sequence_number: seq, command_status: 0x02 })); // ESME_RINVCMDLEN
    },
    pdu: (session, pdu) => {
      try {
        this.#onPdu(session, pdu);
      } catch (error) {
        this.#log.error({ err: error, command: pdu.command }, "SMPP server failed on a PDU");
        if (!pdu.isResponse()) session.answer(pdu.response({ command_status: Status.ESME_RSYSERR }));
      }
    },
  };

  #onPdu(session: CustomerSession, pdu: Pdu): void {
    if (pdu.isResponse()) return; // settled by the request's callback
    session.outstanding++;
    if (session.outstanding > this.p.config.window) {
      session.answer(pdu.response({ command_status: Status.ESME_RTHROTTLED }));
      return;
    }
    const bindType = bindTypeOf(pdu.command);
    if (bindType) {
      void onBind(session, pdu, bindType, {
        deps: this.p.deps,
        ipBlocker: this.p.ipBlocker,
        maxBindsPerAccount: this.p.config.maxBindsPerAccount,
        bindsOf: (accountId) => this.#bound().filter((s) => s.account!.id === accountId).length,
        bound: () => this.#pump.poke(),
      });
      return;
    }
    switch (pdu.command) {
      case "enquire_link":
        session.answer(pdu.response());
        return;
      case "unbind":
        session.answer(pdu.response());
        session.bindType = undefined;
        session.close();
        return;
      case "submit_sm":
        this.#submits.handle(session, pdu);
        return;
      case "query_sm":
        void onQuery(this.p.deps, session, pdu);
        return;
      case "cancel_sm":
        void onCancel(this.p.deps, session, pdu);
        return;
      case "unknown":
        session.answer(pdu.response()); // generic_nack ESME_RINVCMDID (the library's own)
        return;
      default:
        session.answer(
          createPdu("generic_nack", {
            sequence_number: pdu.sequence_number,
            command_status: Status.ESME_RINVCMDID,
          }),
        );
    }
  }
}

export async function startSmppServer(parts: SmppServerParts): Promise<SmppServer> {
  const server = new SmppServer(parts);
  await server.listen();
  return server;
}
