/** A trunk answering 503 is down: the call goes through the route's next voice connector (SQLite). */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setServices } from "../../src/app/manage-accounts.js";
import { type SipSimulator, startSipSimulator } from "../../src/delivery/voice/simulator/endpoint.js";
import { espeakProblem } from "../../src/delivery/voice/speech/espeak.js";
import { http, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";
import { SEED_VOICE_TEXT } from "../helpers/voice-seeds.js";
import { eventually } from "../helpers/webhook-receiver.js";

describe("voice failover", { skip: espeakProblem() ? "espeak-ng is not installed" : false }, () => {
  let gw: TestGateway;
  let down: SipSimulator;
  let spare: SipSimulator;

  before(async () => {
    down = await startSipSimulator({ port: 0, scenario: "unavailable" });
    spare = await startSipSimulator({ port: 0, ringMs: 10 });
    gw = await startTestGateway(storeTargets[0]!, {
      overrides: {
        "delivery.enabled": true,
        "delivery.pollIntervalMs": 20,
        "delivery.connectors": [
          { type: "voice", id: "trunk-a", host: down.host, port: down.port },
          { type: "voice", id: "trunk-b", host: spare.host, port: spare.port, transport: "tcp" },
        ],
        "delivery.routes": [
          { services: ["text2speech", "text2speech_ssml"], connectors: ["trunk-a", "trunk-b"] },
        ],
      },
    });
    await setServices(gw.gateway.deps, gw.accountId, ["direct", "text2speech"]);
  });
  after(async () => {
    await gw.stop();
    await down.close();
    await spare.close();
  });

  it("fails over from the trunk answering 503 to the next one, and the message is delivered", async () => {
    let downs = 0;
    gw.gateway.delivery.connectors.get("trunk-a")!.on("down", () => downs++);
    const res = await http(gw.url, "POST", "/sms", {
      body: SEED_VOICE_TEXT,
      headers: { "X-LOX24-AUTH-TOKEN": gw.token },
    });
    assert.equal(res.status, 201, res.text);
    const m = await eventually(async () => {
      const x = (
        await http(gw.url, "GET", `/sms/${res.body.uuid}`, { headers: { "X-LOX24-AUTH-TOKEN": gw.token } })
      ).body;
      return x.dlr_code === 1 ? x : undefined;
    }, 60_000);
    assert.equal(m.status_code, 100);
    assert.deepEqual(
      down.calls.map((c) => c.status),
      [503],
    );
    assert.deepEqual(
      spare.calls.map((c) => c.status),
      [200],
    );
    // Down after the 503; its OPTIONS probe is answered, so it comes back for the next message.
    assert.equal(downs, 1);
    await eventually(() => gw.gateway.delivery.connectors.get("trunk-a")!.isUp(), 10_000);
  });
});
