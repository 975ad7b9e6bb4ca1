/** Voice needs espeak-ng: configured voice without it stops start-up with a clear message; SMS alone starts. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config.js";
import { VoiceStartupError } from "../../src/delivery/voice/embedded.js";
import { startGateway } from "../../src/gateway.js";
import { storeTargets } from "../helpers/stores.js";

const base = {
  "server.port": 0,
  "log.level": "silent",
  "demo.enabled": false,
  "delivery.enabled": false,
  "delivery.simulator.enabled": false,
  "webhooks.enabled": false,
  "admin.enabled": false,
};

describe("voice at start-up", () => {
  it("refuses to start a configured voice connector whose espeak-ng cannot run, naming the package", async () => {
    const config = loadConfig(
      {},
      {
        ...base,
        "database.url": await storeTargets[0]!.url(),
        "delivery.connectors": [
          { type: "voice", id: "trunk", host: "127.0.0.1", espeakBinary: "/nonexistent/espeak-ng" },
        ],
      },
    );
    await assert.rejects(startGateway(config), (error: Error) => {
      assert.ok(error instanceof VoiceStartupError);
      assert.match(
        error.message,
        /voice is enabled but \/nonexistent\/espeak-ng cannot be run.*apt-get install espeak-ng/,
      );
      return true;
    });
  });

  it("starts without any voice when none is configured and the SIP simulator is off", async () => {
    const config = loadConfig(
      {},
      { ...base, "database.url": await storeTargets[0]!.url(), "delivery.voice.simulator.enabled": false },
    );
    const gateway = await startGateway(config);
    try {
      assert.equal(gateway.delivery.sipSimulator, undefined);
      assert.equal(
        [...gateway.delivery.connectors.values()].filter((c) => c.services?.includes("text2speech")).length,
        0,
      );
    } finally {
      await gateway.stop();
    }
  });
});
