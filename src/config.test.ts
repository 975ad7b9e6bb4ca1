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

  it("coerces a variable by the type of its key, not by its spelling", () => {
    // NO is Norway for a country, "off" a word for a string, yet still false for a flag.
    assert.equal(loadConfig({ STARLING_DEMO_COUNTRY: "NO" }).demo.country, "NO");
    assert.equal(loadConfig({ STARLING_SIMULATOR_SCENARIO: "off" }).delivery.simulator.scenario, "off");
    assert.equal(loadConfig({ STARLING_LOG_LEVEL: "info" }).log.level, "info");
    assert.equal(loadConfig({ STARLING_DEMO: "NO" }).demo.enabled, false);
    assert.equal(loadConfig({ STARLING_WEBHOOKS: "off" }).webhooks.enabled, false);
    assert.equal(loadConfig({ STARLING_METRICS_ON_API: "1" }).admin.metricsOnApi, true);
    assert.equal(loadConfig({ STARLING_DEFAULT_PRICE: "1" }).pricing.defaultPricePerPart, 1);
    assert.equal(loadConfig({ STARLING_OTP_HASH_KEY: "0000000000000000" }).otp.hashKey, "0000000000000000");
    assert.throws(() => loadConfig({ STARLING_DEMO: "maybe" }), /demo\.enabled/);
    // A JSON file's "false" for a flag is false too (z.coerce.boolean would read any non-empty string as true).
    assert.equal(loadConfig({}, { "admin.metricsOnApi": "false" }).admin.metricsOnApi, false);
  });

  it("fills every default of a section the file leaves out, from the key's own default", () => {
    const c = loadConfig({}, { "delivery.retry": {}, "demo.balance": 7 });
    assert.deepEqual(c.delivery.retry, { baseMs: 1000, maxMs: 300_000, maxAttempts: 0 });
    assert.deepEqual(c.demo, { enabled: true, country: "DE", currency: "EUR", balance: 7 });
  });

  it("validates each connector strictly by its type; an entry without a type is SMPP", () => {
    const smsc = { id: "a", host: "smsc", systemId: "sys", password: "pw" };
    const c = loadConfig({}, { "delivery.connectors": [smsc, { ...smsc, id: "b", type: "smpp", window: 7 }] });
    assert.deepEqual(
      c.delivery.connectors.map((x) => [x.type, x.id, x.port, smpp(x).window, smpp(x).reconnect.maxMs]),
      [
        ["smpp", "a", 2775, 50, 30_000],
        ["smpp", "b", 2775, 7, 30_000],
      ],
    );
    assert.throws(
      () => loadConfig({}, { "delivery.connectors": [{ ...smsc, windw: 7 }] }),
      (e: Error) => e instanceof ConfigError && /delivery\.connectors\.0/.test(e.message) && /windw/.test(e.message),
    );
    assert.throws(() => loadConfig({}, { "delivery.connectors": [{ ...smsc, reconnect: { minMS: 1 } }] }), /minMS/);
    // A setting that is no longer used still starts (receipts no longer wait in the connector).
    assert.equal(loadConfig({}, { "delivery.connectors": [{ ...smsc, receiptHoldMs: 500 }] }).delivery.connectors.length, 1);
    assert.throws(() => loadConfig({}, { "delivery.connectors": [{ ...smsc, type: "carrier-pigeon" }] }), /delivery\.connectors\.0\.type/);
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
    assert.equal(smpp(c.delivery.connectors[0]).window, 50);
    assert.equal(c.delivery.routes[0]!.prefixes.length, 0);
    writeFileSync(file, JSON.stringify({ delivery: { connectors: [{ id: "a", host: "h", port: 1, systemId: "a-very-long-system-id", password: "p" }] } }));
    assert.throws(() => loadConfig({ STARLING_CONFIG: file }), /delivery\.connectors\.0\.systemId/);
    writeFileSync(file, "{not json");
    assert.throws(() => loadConfig({ STARLING_CONFIG: file }), ConfigError);
  });
});

/** The SMPP settings of a connector entry (the union also holds other types' settings). */
function smpp(settings: unknown) {
  return settings as { window: number; reconnect: { maxMs: number } };
}
