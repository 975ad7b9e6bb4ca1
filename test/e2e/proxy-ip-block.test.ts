/**
 * The bad-credential block behind a reverse proxy (issue 17 item 3): X-Forwarded-For is believed only from
 * the configured proxies, and the client is the right-most address none of them added. The block lives in
 * memory, not in the store, so this runs on SQLite only.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { http, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";

const sqlite = storeTargets.find((t) => t.name === "sqlite")!;
const badToken = (i: number) => ({ "X-LOX24-AUTH-TOKEN": `1:bad-secret-${i}-xxxxxxxx` });

describe("IP block and X-Forwarded-For", () => {
  describe("behind a trusted proxy (127.0.0.1 is the proxy)", () => {
    let gw: TestGateway;
    before(async () => {
      gw = await startTestGateway(sqlite, { overrides: { "server.trustedProxies": "127.0.0.1/32, ::1" } });
    });
    after(() => gw.stop());

    it("counts bad credentials against the address the proxy saw, however the client rotates the header", async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        // What the client wrote, then what the proxy appended: the client's real address.
        const forwarded = `198.18.${i}.${i + 1}, 203.0.113.50`;
        const res = await http(gw.url, "GET", "/me", { headers: { ...badToken(i), "X-Forwarded-For": forwarded } });
        statuses.push(res.status);
      }
      assert.deepEqual(statuses, [401, 401, 401, 401, 429]);
    });

    it("a forged left-most address does not get another client blocked", async () => {
      const victim = "192.0.2.77";
      for (let i = 0; i < 5; i++) {
        await http(gw.url, "GET", "/me", { headers: { ...badToken(i), "X-Forwarded-For": `${victim}, 203.0.113.60` } });
      }
      const own = await http(gw.url, "GET", "/me", { headers: { "X-LOX24-AUTH-TOKEN": gw.token, "X-Forwarded-For": victim } });
      assert.equal(own.status, 200, "the victim, behind the same proxy, is not blocked");
      const attacker = await http(gw.url, "GET", "/me", { headers: { ...badToken(9), "X-Forwarded-For": "203.0.113.60" } });
      assert.equal(attacker.status, 429, "the attacker is");
    });

    it("uses the address the proxy saw for the stored message too", async () => {
      const sent = await http(gw.url, "POST", "/sms", {
        body: { text: "hi", sender_id: "Starling", phone: "+14155552671" },
        headers: { "X-LOX24-AUTH-TOKEN": gw.token, "X-Forwarded-For": "10.9.9.9, 203.0.113.70", Accept: "application/json" },
      });
      assert.equal(sent.status, 201);
      assert.equal(sent.body.ip, "203.0.113.70");
    });
  });

  describe("with no trusted proxy configured", () => {
    let gw: TestGateway;
    before(async () => {
      // A proxy elsewhere: connections from 127.0.0.1 are clients, and their X-Forwarded-For is theirs.
      gw = await startTestGateway(sqlite, { overrides: { "server.trustedProxies": ["10.0.0.0/8"] } });
    });
    after(() => gw.stop());

    it("ignores X-Forwarded-For from a client that is not a proxy: rotating it does not evade the block", async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await http(gw.url, "GET", "/me", { headers: { ...badToken(i), "X-Forwarded-For": `198.18.7.${i + 1}` } });
        statuses.push(res.status);
      }
      assert.deepEqual(statuses, [401, 401, 401, 401, 429]);
    });
  });
});
