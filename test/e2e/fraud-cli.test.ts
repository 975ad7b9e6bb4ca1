/**
 * `starling fraud …` as an operator runs it (the real binary, another process) against a running gateway's
 * store: a country added on the command line is sendable from the gateway's next settings read; the status
 * shows the rules in force and the refusals per rule.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { http, startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";

const CLI = join(import.meta.dirname, "../../src/cli/index.ts");

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const starling = (url: string, args: string[]): Promise<CliResult> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", CLI, ...args],
      { env: { ...process.env, STARLING_DATABASE_URL: url, STARLING_LOG_LEVEL: "silent" } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });

for (const target of storeTargets) {
  describe(`starling fraud (${target.name})`, { skip: target.skip }, () => {
    let gw: TestGateway;
    let url: string;
    const send = (phone: string) =>
      http(gw.url, "POST", "/sms", {
        body: { sender_id: "Starling", phone, text: "hi" },
        headers: { "X-LOX24-AUTH-TOKEN": gw.token, Accept: "application/json" },
      });

    before(async () => {
      gw = await startTestGateway(target, {
        overrides: { "fraud.geo.defaultCountries": [], "fraud.settingsCacheSeconds": 0 },
      });
      url = gw.gateway.config.database.url;
    });
    after(() => gw.stop());

    it("countries --add lets the gateway send there; status shows rules and refusals", async () => {
      const id = String(gw.accountId);
      assert.equal((await send("+447400123456")).status, 400);

      const added = await starling(url, ["fraud", "countries", id, "--add", "gb", "--json"]);
      assert.equal(added.code, 0, added.stderr);
      assert.deepEqual(JSON.parse(added.stdout), { account_id: gw.accountId, countries: ["DE", "GB"] });
      assert.equal((await send("+447400123456")).status, 201);

      const limits = await starling(url, ["fraud", "limits", id, "--prefix", "2", "--json"]);
      assert.equal(limits.code, 0, limits.stderr);
      assert.equal(JSON.parse(limits.stdout).velocity.prefix.limit, 2);

      await gw.gateway.deps.fraud!.events.flush();
      const status = await starling(url, ["fraud", "status", id, "--json"]);
      assert.equal(status.code, 0, status.stderr);
      const s = JSON.parse(status.stdout);
      assert.deepEqual(s.countries, { permitted: ["DE", "GB"], own: true });
      assert.equal(s.velocity.prefix.own, true);
      assert.equal(s.velocity.account.own, false);
      assert.equal(s.refusals[0].rule, "geo");
      assert.equal(s.refusals[0].count, 1);

      const human = await starling(url, ["fraud", "status", id]);
      assert.match(human.stdout, /countries: DE,GB \(account's own\)/);
      assert.match(human.stdout, /geo\s+1/);
    });

    it("refuses an unknown account and a bad country code with a clear message", async () => {
      const missing = await starling(url, ["fraud", "countries", "999999", "--add", "FR"]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /account 999999 not found/);
      const bad = await starling(url, ["fraud", "countries", String(gw.accountId), "--set", "Germany"]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /not a country code: GERMANY/);
    });
  });
}
