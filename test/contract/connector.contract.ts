/**
 * One contract for every connector type (SMPP now, voice next): what the dispatcher relies on. A connector
 * type runs it by calling runConnectorContract with a factory that starts its connector against a peer
 * (an SMSC simulator, a SIP test peer) behaving as asked.
 *
 * The port's promises: submit() never rejects; every outcome, including a refusal, a lost connection or
 * no answer, is a SubmitResult of the right kind; a long message's parts each get an id, and a resumed one
 * sends only the parts from `firstPart`; receipts carry ids that submit() returned; "down" and "up" follow
 * the connection, and stop() leaves a connector that refuses work as temporarily unavailable.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { Connector, ReceiptEvent, SubmitRequest } from "../../src/delivery/connector.js";

/** How the peer behind the connector treats submits. */
export type PeerBehaviour =
  /** Accepts every submit and reports it delivered. */
  | "deliver"
  /** Refuses every submit for now, asking to slow down. */
  | "throttle"
  /** Cuts the connection at the first submit of each connection. */
  | "disconnect"
  /** Never answers a submit (the connector's response timeout must end it). */
  | "silent";

export interface ConnectorUnderTest {
  /** Started and up. */
  connector: Connector;
  /** Submits the peer has accepted so far: each with its part number (1-based) for long messages. */
  accepted(): { part?: number }[];
  close(): Promise<void>;
}

export interface ConnectorContract {
  name: string;
  start(behaviour: PeerBehaviour): Promise<ConnectorUnderTest>;
  /** A request the connector can carry; `parts` texts as the core segments them. */
  request(parts: string[]): SubmitRequest;
  /** How long a submit to a silent peer may take before it must have failed. */
  timeoutMs: number;
  /**
   * What a submit sent and never answered (connection cut, silent peer) reports. SMPP: "unknown", the SMSC
   * may have taken it (issue 18). A SIP INVITE nobody answered placed no call: "temporary". Default unknown.
   */
  unansweredKind?: "unknown" | "temporary";
  /** Cases that do not apply to this type, each with the reason (a call has no parts; SIP has no throttling). */
  notApplicable?: { multipart?: string; throttle?: string };
}

const within = async <T>(work: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
};

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function runConnectorContract(contract: ConnectorContract): void {
  describe(`connector contract (${contract.name})`, () => {
    const open: ConnectorUnderTest[] = [];
    const start = async (behaviour: PeerBehaviour) => {
      const under = await contract.start(behaviour);
      open.push(under);
      return under;
    };
    afterEach(async () => {
      for (const under of open.splice(0)) await under.close();
    });
    // Generous: a loaded CI machine is slow, and these wait for conditions, not for a time.
    const SLOW = 10_000;

    it("submits a message and returns one id per part", async () => {
      const { connector, accepted } = await start("deliver");
      assert.equal(connector.isUp(), true);
      const result = await connector.submit(contract.request(["hello"]));
      assert.ok(result.ok, JSON.stringify(result));
      assert.equal(result.smscIds.length, 1);
      assert.ok(result.smscIds[0]!.length > 0);
      assert.equal(accepted().length, 1);
    });

    it("submits every part of a long message, and only the parts from firstPart when resuming", { skip: contract.notApplicable?.multipart ?? false }, async () => {
      const { connector, accepted } = await start("deliver");
      const parts = ["part one ", "part two ", "part three"];
      const whole = await connector.submit(contract.request(parts));
      assert.ok(whole.ok, JSON.stringify(whole));
      assert.equal(new Set(whole.smscIds).size, 3, "a distinct id per part");
      const resumed = await connector.submit({ ...contract.request(parts), firstPart: 1 });
      assert.ok(resumed.ok, JSON.stringify(resumed));
      assert.equal(resumed.smscIds.length, 2);
      assert.deepEqual(
        accepted().map((a) => a.part),
        [1, 2, 3, 2, 3],
      );
    });

    it("emits a receipt for a submitted message with the id submit returned, acknowledged once handled", async () => {
      const { connector } = await start("deliver");
      const receipts: ReceiptEvent[] = [];
      connector.on("receipt", (event) => {
        receipts.push(event);
        event.waitUntil?.(Promise.resolve());
      });
      const result = await connector.submit(contract.request(["receipt please"]));
      assert.ok(result.ok);
      await until(() => receipts.length > 0, SLOW, "a receipt");
      assert.equal(receipts[0]!.connectorId, connector.id);
      assert.equal(receipts[0]!.smscId, result.smscIds[0]);
      assert.equal(receipts[0]!.state, "DELIVRD");
    });

    it("reports a refusal to slow down as throttled, with nothing accepted, and never rejects", { skip: contract.notApplicable?.throttle ?? false }, async () => {
      const { connector, accepted } = await start("throttle");
      const result = await connector.submit(contract.request(["too fast"]));
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.kind, "throttled");
      assert.deepEqual(!result.ok && result.acceptedSmscIds, []);
      assert.equal(accepted().length, 0);
    });

    it("reports a connection lost under a submit as an unknown outcome, goes down, and comes back up", async () => {
      const { connector } = await start("disconnect");
      let downs = 0;
      connector.on("down", () => downs++);
      const result = await within(
        connector.submit(contract.request(["cut"])),
        SLOW,
        "submit on a cut connection",
      );
      assert.equal(result.ok, false);
      // sent and never answered: for SMPP the peer may have taken it (issue 18)
      assert.equal(!result.ok && result.kind, contract.unansweredKind ?? "unknown");
      await until(() => downs > 0, SLOW, "down");
      await until(() => connector.isUp(), SLOW, "up again");
    });

    it("ends a submit the peer never answers as an unknown outcome", async () => {
      const { connector } = await start("silent");
      const result = await within(
        connector.submit(contract.request(["anyone?"])),
        contract.timeoutMs,
        "submit to a silent peer",
      );
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.kind, contract.unansweredKind ?? "unknown");
    });

    it("after stop, refuses work as temporarily unavailable", async () => {
      const under = await start("deliver");
      await under.connector.stop();
      assert.equal(under.connector.isUp(), false);
      const result = await under.connector.submit(contract.request(["late"]));
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.kind, "temporary");
    });
  });
}
