/** Is the trunk there? An OPTIONS request (RFC 3261 §11): any response, even an error, means it is reachable. */
import { randomBytes, randomUUID } from "node:crypto";
import type { Trunk } from "./call.js";
import type { SipStack } from "./stack.js";

export function probeTrunk(stack: SipStack, trunk: Trunk, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const transport = trunk.transport === "tcp" ? ";transport=tcp" : "";
    const uri = `sip:${trunk.domain ?? trunk.host}:${trunk.port}${transport}`;
    const timer = setTimeout(() => resolve(false), timeoutMs);
    stack.send(
      {
        method: "OPTIONS",
        uri,
        headers: {
          to: { uri, params: {} },
          from: { uri: `sip:starling@${stack.address}`, params: { tag: randomBytes(6).toString("hex") } },
          "call-id": `${randomUUID()}@starling`,
          cseq: { method: "OPTIONS", seq: 1 },
          via: [],
          "max-forwards": 70,
        },
      },
      (rs) => {
        if (rs.status < 200) return;
        clearTimeout(timer);
        // The stack answers 408 itself when nothing came back, and 503 when it could not connect.
        resolve(
          !(
            rs.status === 408 ||
            (rs.status === 503 && !rs.headers.via?.[0]?.params?.received && rs.reason === "")
          ),
        );
      },
    );
  });
}
