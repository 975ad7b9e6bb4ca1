/**
 * "npm start, open the printed address, log in": the gateway as a child process prints the console's
 * address and, on a store with no operator, the one-time password of "admin"; both work. A second start
 * prints no password again.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { consoleLogin } from "../helpers/console.js";
import { eventually } from "../helpers/webhook-receiver.js";

function start(db: string) {
  const child = spawn(process.execPath, ["--import", "tsx", join(process.cwd(), "src/main.ts")], {
    env: {
      ...process.env,
      STARLING_DATABASE_URL: `sqlite:${db}`,
      STARLING_PORT: "0",
      STARLING_SIMULATOR_PORT: "0",
      STARLING_LOG_LEVEL: "warn",
      STARLING_DEMO: "false",
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
  return { child, exited, output: () => out };
}

describe("first run", () => {
  it("prints the console address and a one-time password that logs in, once", async () => {
    const db = join(mkdtempSync(join(tmpdir(), "starling-first-run-")), "starling.db");
    const first = start(db);
    try {
      const [, console] = await eventually(
        () => /Operator console: (http:\/\/127\.0\.0\.1:\d+)\//.exec(first.output()) ?? undefined,
        30_000,
      );
      const [, password] = await eventually(
        () => /one-time password[^\n]*\n\n {2}(\S+)/.exec(first.output()) ?? undefined,
        5_000,
      );
      const ops = await consoleLogin(console!, "admin", password!);
      const home = await ops.get("/");
      assert.equal(home.status, 200);
      assert.match(await home.text(), /Dashboard/);
      first.child.kill("SIGTERM");
      assert.equal(await first.exited, 0);
    } finally {
      first.child.kill("SIGKILL");
    }
    const second = start(db);
    try {
      await eventually(() => (second.output().includes("Operator console:") ? true : undefined), 30_000);
      assert.doesNotMatch(second.output(), /one-time password/);
      second.child.kill("SIGINT");
      assert.equal(await second.exited, 0);
    } finally {
      second.child.kill("SIGKILL");
    }
  });
});
