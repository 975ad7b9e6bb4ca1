/**
 * The README's quick start, as a new user runs it: `npm start` on an empty store creates a demo account,
 * prints its token and a curl command; a message sent with that token is delivered by the built-in
 * simulator; SIGTERM shuts the gateway down cleanly.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { http } from "../helpers/gateway.js";
import { eventually } from "../helpers/webhook-receiver.js";

describe("quick start", () => {
  it("starts with a demo token, delivers a message end to end, and stops on SIGTERM", async () => {
    const dir = mkdtempSync(join(tmpdir(), "starling-quickstart-"));
    const child = spawn(process.execPath, ["--import", "tsx", join(process.cwd(), "src/main.ts")], {
      env: {
        ...process.env,
        STARLING_DATABASE_URL: `sqlite:${join(dir, "starling.db")}`,
        STARLING_PORT: "0",
        STARLING_SIMULATOR_PORT: "0",
        STARLING_LOG_LEVEL: "warn",
        STARLING_SIMULATOR_RECEIPT_DELAY_MS: "10",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    child.stderr.on("data", (chunk) => {
      out += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const [, token] = await eventually(() => /X-LOX24-AUTH-TOKEN: (\d+:[\w-]+)/.exec(out) ?? undefined, 20_000);
      const [, url] = /curl -s -X POST (http:\/\/127\.0\.0\.1:\d+)\/sms/.exec(out)!;
      const headers = { "X-LOX24-AUTH-TOKEN": token!, Accept: "application/json" };
      const sent = await http(url!, "POST", "/sms", { body: { sender_id: "Starling", phone: "+491701234567", text: "Hello from Starling" }, headers });
      assert.equal(sent.status, 201, sent.text);
      await eventually(async () => ((await http(url!, "GET", `/sms/${sent.body.uuid}`, { headers })).body.dlr_code === 1 ? true : undefined));
      const me = await http(url!, "GET", "/me", { headers });
      assert.equal(me.body.currency, "EUR");
      assert.ok(me.body.balance_amount < 50);
      child.kill("SIGTERM");
      assert.equal(await exited, 0);
    } finally {
      child.kill("SIGKILL");
    }
    // A second start on the same store creates no second demo account.
    const again = spawn(process.execPath, ["--import", "tsx", join(process.cwd(), "src/main.ts")], {
      env: {
        ...process.env,
        STARLING_DATABASE_URL: `sqlite:${join(dir, "starling.db")}`,
        STARLING_PORT: "0",
        STARLING_SIMULATOR_PORT: "0",
        STARLING_LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let second = "";
    again.stdout.on("data", (chunk) => {
      second += chunk;
    });
    const done = new Promise<number | null>((resolve) => again.on("exit", (code) => resolve(code)));
    await eventually(() => (second.includes("Starling is listening") ? true : undefined), 20_000);
    assert.doesNotMatch(second, /Demo account/);
    again.kill("SIGINT");
    assert.equal(await done, 0);
  });
});
