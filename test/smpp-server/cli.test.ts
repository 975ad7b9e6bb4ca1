/**
 * `starling keys smpp ACCOUNT_ID [--key KEY_ID]`, the real binary: it prints a system_id and a password of at
 * most 8 characters once, stores only a hash, and the login binds to a gateway on the same store.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";
import { TestEsme } from "./esme.js";

const CLI = join(import.meta.dirname, "../../src/cli/index.ts");
const run = promisify(execFile);
const sqlite = storeTargets.find((t) => t.name === "sqlite")!;

describe("keys smpp", () => {
  let gw: TestGateway;
  let url: string;
  before(async () => {
    url = await sqlite.url();
    gw = await startTestGateway(
      { ...sqlite, url: async () => url },
      {
        overrides: { "smppServer.enabled": true, "smppServer.port": 0 },
      },
    );
  });
  after(() => gw.stop());

  const cli = async (...args: string[]) => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", CLI, ...args], {
      env: { ...process.env, STARLING_DATABASE_URL: url, STARLING_CONFIG: "" },
    });
    return JSON.parse(stdout);
  };

  it("gives a new key or an existing one a login that binds; only a hash is stored", async () => {
    const created = await cli("keys", "smpp", String(gw.accountId), "--json");
    assert.equal(created.account_id, gw.accountId);
    assert.ok(created.system_id.length <= 15 && created.password.length <= 8, JSON.stringify(created));
    const existing = await cli("keys", "smpp", String(gw.accountId), "--key", String(gw.keyId), "--json");
    assert.equal(existing.key_id, gw.keyId);
    for (const login of [created, existing]) {
      const esme = await TestEsme.connect(gw.gateway.smppServer!.port);
      try {
        assert.equal((await esme.bind("transceiver", login.system_id, login.password)).command_status, 0);
      } finally {
        await esme.close();
      }
    }
    const path = url.replace(/^sqlite:/, "");
    for (const file of [path, `${path}-wal`].filter((f) => existsSync(f))) {
      assert.equal(
        readFileSync(file).includes(Buffer.from(created.password)),
        false,
        `the password is in ${file}`,
      );
    }
  });
});
