import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "./config.js";

describe("config", () => {
  it("has working defaults: loopback, port 8080, SQLite under ./data, simulator on", () => {
    const c = loadConfig({});
    assert.equal(c.server.host, "127.0.0.1");
    assert.equal(c.server.port, 8080);
    assert.equal(c.database.url, "sqlite:./data/starling.db");
    assert.equal(c.delivery.simulator.enabled, true);
    assert.ok(Object.isFrozen(c.server));
  });

  it("reads STARLING_* variables, including false booleans", () => {
    const c = loadConfig({ STARLING_PORT: "9090", STARLING_SIMULATOR: "false", STARLING_DATABASE_URL: "postgres://x@h/db" });
    assert.equal(c.server.port, 9090);
    assert.equal(c.delivery.simulator.enabled, false);
    assert.equal(c.database.url, "postgres://x@h/db");
  });

  it("stops with a message naming the key for a bad value", () => {
    assert.throws(() => loadConfig({ STARLING_PORT: "eighty" }), (e: Error) => e instanceof ConfigError && /server\.port/.test(e.message));
    assert.throws(() => loadConfig({ STARLING_LOG_LEVEL: "loud" }), /log\.level/);
    assert.throws(() => loadConfig({ STARLING_DEMO_COUNTRY: "Germany" }), /demo\.country/);
  });

  it("reads a JSON file named by STARLING_CONFIG, environment winning over the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "starling-config-"));
    const file = join(dir, "config.json");
    writeFileSync(
      file,
      JSON.stringify({
        server: { port: 7000 },
        delivery: { connectors: [{ id: "a", host: "smsc", port: 2775, systemId: "sys", password: "pw" }], routes: [{ countries: ["DE"], connectors: ["a"] }] },
      }),
    );
    const c = loadConfig({ STARLING_CONFIG: file, STARLING_HOST: "0.0.0.0" });
    assert.equal(c.server.port, 7000);
    assert.equal(c.server.host, "0.0.0.0");
    assert.equal(c.delivery.connectors[0]!.window, 50);
    assert.equal(c.delivery.routes[0]!.prefixes.length, 0);
    writeFileSync(file, JSON.stringify({ delivery: { connectors: [{ id: "a", host: "h", port: 1, systemId: "a-very-long-system-id", password: "p" }] } }));
    assert.throws(() => loadConfig({ STARLING_CONFIG: file }), /delivery\.connectors\.0\.systemId/);
    writeFileSync(file, "{not json");
    assert.throws(() => loadConfig({ STARLING_CONFIG: file }), ConfigError);
  });
});
