import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "../config.js";
import { invalidProxyEntry } from "./trusted-proxies.js";

describe("trusted proxies setting", () => {
  it("accepts addresses, CIDR ranges and the range names", () => {
    for (const ok of ["127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8", "loopback", "uniquelocal", "0.0.0.0/0"]) {
      assert.equal(invalidProxyEntry(ok), undefined, ok);
    }
    for (const bad of ["example.com", "10.0.0.0/33", "::1/129", "10.0.0.1/8/1", "1.2.3", "10.0.0.0/x", ""]) {
      assert.ok(invalidProxyEntry(bad), bad);
    }
  });

  it("reads a comma-separated variable and refuses a bad entry or the old boolean by name", () => {
    const config = loadConfig({ STARLING_TRUSTED_PROXIES: "127.0.0.1, 10.0.0.0/8" });
    assert.deepEqual(config.server.trustedProxies, ["127.0.0.1", "10.0.0.0/8"]);
    assert.deepEqual(loadConfig({}).server.trustedProxies, []);
    assert.throws(() => loadConfig({ STARLING_TRUSTED_PROXIES: "proxy.local" }), /server\.trustedProxies.*proxy\.local/);
    assert.throws(() => loadConfig({}, { "server.trustProxy": true }), (e: Error) => e instanceof ConfigError && /trustedProxies/.test(e.message));
  });
});
