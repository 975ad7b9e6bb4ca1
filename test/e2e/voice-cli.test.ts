/** The operator's voice commands through the real CLI: enable voice for an account, set a voice price per call. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";

const CLI = join(import.meta.dirname, "../../src/cli/index.ts");
const run = promisify(execFile);

describe("voice operator commands (real CLI, SQLite)", () => {
  it("enables text2speech and text2speech_ssml with one command and prices voice per call", async () => {
    const env = {
      ...process.env,
      STARLING_DATABASE_URL: `sqlite:${join(mkdtempSync(join(tmpdir(), "starling-voice-cli-")), "s.db")}`,
    };
    const cli = async (...args: string[]) => {
      const { stdout } = await run(process.execPath, ["--import", "tsx", CLI, ...args, "--json"], { env });
      return JSON.parse(stdout);
    };
    const account = await cli("accounts", "create", "--name", "Voice Ltd", "--country", "DE");
    const updated = await cli(
      "accounts",
      "set",
      String(account.id),
      "--services",
      "direct,text2speech,text2speech_ssml",
    );
    assert.equal(updated.services, "direct,text2speech,text2speech_ssml");
    assert.deepEqual(await cli("prices", "set", "us", "0.12", "--voice"), {
      iso2: "US",
      price_per_call: 0.12,
    });
    assert.deepEqual(await cli("prices", "list", "--voice"), [{ iso2: "US", price_per_call: 0.12 }]);
    assert.deepEqual(await cli("prices", "list"), [], "SMS prices are apart");
    await assert.rejects(
      cli("accounts", "set", String(account.id), "--services", "direct,fax"),
      (error: { stderr: string }) => /unknown service: fax/.test(error.stderr),
    );
  });
});
