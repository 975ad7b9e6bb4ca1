/**
 * The FullSMS operator commands with --json, over every store: numbers, sender IDs, templates, lists,
 * contacts (add, streaming CSV import with bad rows, remove), campaigns. Commands run in-process through
 * the same commander wiring (a CLI process costs ~2 s of start-up); one test runs the real binary.
 */
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Command } from "commander";
import { systemClock } from "../../src/app/deps.js";
import { registerFullsmsCommands } from "../../src/cli/fullsms.js";
import type { ProgressStream } from "../../src/cli/progress.js";
import { Priority } from "../../src/core/message.js";
import { isAppError } from "../../src/errors.js";
import { openStore } from "../../src/store/open.js";
import type { Store } from "../../src/store/ports/index.js";
import { storeTargets } from "../helpers/stores.js";

const CLI = join(import.meta.dirname, "../../src/cli/index.ts");
const hasScript = spawnSync("script", ["--version"]).status === 0;



interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json: any;
}

const parse = (stdout: string) => {
  try {
    return JSON.parse(stdout);
  } catch {
    return undefined;
  }
};

/** One command through the FullSMS registrations, as src/cli/index.ts runs it (errors → stderr, exit 1). */
async function inProcess(store: Store, args: string[], progress: ProgressStream = { write() {} }): Promise<CliResult> {
  const deps = { store, clock: systemClock, pricing: { defaultPricePerPartMicros: 70_000 } };
  let stdout = "";
  let stderr = "";
  let code = 0;
  const program = new Command("starling").exitOverride();
  registerFullsmsCommands(
    program,
    async (fn) => {
      try {
        await fn({ deps });
      } catch (error) {
        if (!isAppError(error)) throw error;
        stderr += `starling: ${error.message}\n`;
        code = 1;
      }
    },
    (text) => {
      stdout += text;
    },
    progress,
  );
  try {
    await program.parseAsync(["node", "starling", ...args]);
  } finally {
    // The import command reports bad rows through the exit code; keep it off this test process.
    if (process.exitCode) code = Number(process.exitCode);
    process.exitCode = undefined;
  }
  return { code, stdout, stderr, json: parse(stdout) };
}

/** The real binary, for the wiring in src/cli/index.ts. */
const spawnCli = (url: string, args: string[]): Promise<CliResult> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", CLI, ...args],
      { env: { ...process.env, STARLING_DATABASE_URL: url, STARLING_LOG_LEVEL: "silent" } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr, json: parse(stdout) }),
    );
  });

for (const target of storeTargets) {
  describe(`FullSMS CLI (${target.name})`, { skip: target.skip }, () => {
    let url: string;
    let store: Store;
    let accountId: number;
    const cli = (...args: string[]) => inProcess(store, args);
    /** Commands one after the other, as an operator types them. */
    const sequence = async <const T extends readonly (readonly string[])[]>(commands: T) => {
      const results: CliResult[] = [];
      for (const args of commands) results.push(await cli(...args));
      return results as { [K in keyof T]: CliResult };
    };

    before(async () => {
      url = await target.url();
      store = await openStore(url);
      accountId = (
        await store.accounts.create({ name: "cli", country: "GB", currency: "EUR", balanceMicros: 0, webhookSecret: "s" }, Date.now())
      ).id;
    });
    after(() => store.close());

    it("manages numbers, sender IDs, templates and lists, each with --json", async () => {
      const a = String(accountId);
      const [number, sender, template, list] = await sequence([
        ["numbers", "add", a, "441111111111", "--country", "GB", "--json"],
        ["senderids", "request", a, "COPERATO", "--json"],
        ["templates", "create", a, "--name", "yourTemplateName", "--content", "Hello World", "--json"],
        ["lists", "create", a, "--name", "yourlistName", "--subscribe-word", "Join", "--json"],
      ]);
      assert.deepEqual(number.json, { number: "441111111111", country: "GB", account_id: accountId, recognised: false });
      assert.equal(sender.json.status, "pending");
      assert.equal(template.json.name, "yourTemplateName");
      assert.equal(list.json.subscribe_word, "JOIN");

      const [approved, numbers, templates, duplicate, badSender, stopWord] = await sequence([
        ["senderids", "approve", String(sender.json.id), "--json"],
        ["numbers", "list", a, "--json"],
        ["templates", "list", a, "--json"],
        ["numbers", "add", a, "+44 1111 111111", "--json"],
        ["senderids", "request", a, "TOO LONG A NAME"],
        ["lists", "create", a, "--name", "x", "--subscribe-word", "stop"],
      ]);
      assert.equal(approved.json.status, "approved");
      assert.deepEqual(numbers.json.map((n: { number: string }) => n.number), ["441111111111"]);
      assert.deepEqual(templates.json, [{ template_id: template.json.template_id, name: "yourTemplateName", content: "Hello World" }]);
      assert.equal(duplicate.code, 1);
      assert.match(duplicate.stderr, /already assigned/);
      assert.equal(badSender.code, 1);
      assert.equal(stopWord.code, 1);
      assert.match(stopWord.stderr, /opt-out word/);

      const [senders, human, removed, gone] = await sequence([
        ["senderids", "list", a, "--json"],
        ["numbers", "list", a],
        ["numbers", "remove", a, "999999999999", "--json"],
        ["numbers", "list", "999999", "--json"],
      ]);
      assert.deepEqual(senders.json.map((s: { name: string; status: string }) => [s.name, s.status]), [["COPERATO", "approved"]]);
      assert.match(human.stdout, /^number\s+country\s+added_at\n441111111111\s+GB/);
      assert.equal(removed.code, 1);
      assert.deepEqual(gone.json, []);
      assert.equal((await cli("numbers", "remove", a, "+441111111111", "--json")).json.removed, true);
    });

    it("reads a number with a country code as international, its country from the number; national forms at home", async () => {
      const de = await store.accounts.create(
        { name: "de", country: "DE", currency: "EUR", balanceMicros: 0, webhookSecret: "s" },
        Date.now(),
      );
      const a = String(de.id);
      const [bare, plus, zeroZero, national, valid, override] = await sequence([
        ["numbers", "add", a, "441111111111", "--json"], // as the FullSMS document writes numbers
        ["numbers", "add", a, "+447700900123", "--json"],
        ["numbers", "add", a, "0044 7700 900124", "--json"],
        ["numbers", "add", a, "0170 1234567", "--json"],
        ["numbers", "add", a, "972542222222", "--json"],
        ["numbers", "add", a, "07911 123456", "--country", "GB", "--json"],
      ]);
      const view = (r: CliResult) => [r.json?.number, r.json?.country, r.json?.recognised, r.stderr];
      assert.deepEqual(view(bare), ["441111111111", "GB", false, ""]);
      assert.deepEqual(view(plus), ["447700900123", "GB", false, ""]);
      assert.deepEqual(view(zeroZero), ["447700900124", "GB", false, ""]);
      assert.deepEqual(view(national), ["491701234567", "DE", true, ""]);
      assert.deepEqual(view(valid), ["972542222222", "IL", true, ""]);
      assert.deepEqual(view(override), ["447911123456", "GB", true, ""]);
      const removed = await cli("numbers", "remove", a, "441111111111", "--json");
      assert.equal(removed.json.removed, true);
    });

    it("adds, imports (streaming, bad rows reported) and removes contacts, numbers read in the account's country", async () => {
      const list = await store.fullsms.lists.create(accountId, "import", null, Date.now());
      const dir = mkdtempSync(join(tmpdir(), "starling-csv-"));
      const file = join(dir, "contacts.csv");
      const rows = ["name,phone"];
      for (let i = 0; i < 12_000; i++) rows.push(`c${i},07911 ${String(100_000 + i)}`);
      rows.push("bad,12345", "empty,", 'quoted,"+447911000000"', "dup,07911100000");
      writeFileSync(file, `${rows.join("\r\n")}\r\n`);
      const id = String(list.id);

      const [added, imported] = await sequence([
        ["contacts", "add", id, "07700 900900", "--json"],
        ["contacts", "import", id, file, "--json"],
      ]);
      // 07700 900xxx is a reserved drama range: no network has it, but it is a possible UK number.
      assert.equal(added.code, 0, added.stderr);
      assert.equal(added.json.phone, "+447700900900");
      assert.equal(imported.code, 0, "bad rows are reported, not fatal: the good rows are imported");
      assert.equal(imported.json.rows, 12_004);
      assert.equal(imported.json.added, 12_001);
      assert.equal(imported.json.unchanged, 1);
      assert.equal(imported.json.invalid, 2);
      assert.deepEqual(imported.json.errors, ['line 12002: "12345" is not a valid phone number', "line 12003: no phone number"]);

      const [one, removed, missing] = await sequence([
        ["contacts", "add", id, "07911 200000", "--json"],
        ["contacts", "remove", id, "+447911100001", "--json"],
        ["contacts", "remove", id, "07911 999999", "--json"],
      ]);
      assert.deepEqual(one.json, { list_id: list.id, phone: "+447911200000", added: true, opted_out: false });
      assert.deepEqual(removed.json, { list_id: list.id, phone: "+447911100001", removed: true });
      assert.equal(missing.code, 1);
      const lists = await cli("lists", "list", String(accountId), "--json");
      assert.equal(lists.json.find((l: { list_id: number }) => l.list_id === list.id).subscribed_contacts, 12_002);
    });

    it("shows a long import's progress on a terminal: rows read, rate, invalid so far; nothing elsewhere", async () => {
      const list = await store.fullsms.lists.create(accountId, "progress", null, Date.now());
      const file = join(mkdtempSync(join(tmpdir(), "starling-csv-")), "contacts.csv");
      const rows = Array.from({ length: 3000 }, (_, i) => `07911 ${100_000 + i}`);
      rows.push("bad-1", "bad-2");
      writeFileSync(file, `${rows.join("\n")}\n`);
      let terminal = "";
      const tty: ProgressStream = { isTTY: true, write: (text) => (terminal += text) };
      const shown = await inProcess(store, ["contacts", "import", String(list.id), file, "--json"], tty);
      assert.equal(shown.code, 0, shown.stderr);
      assert.equal(shown.json.rows, 3002, "stdout keeps only the report");
      assert.ok(terminal.endsWith("\n"), "the progress line is ended");
      const drawings = terminal.trimEnd().split("\r\x1b[K").filter(Boolean);
      assert.match(drawings.at(-1)!, /^importing: 3,002 rows read, [\d,]+ rows\/s, 2 invalid$/);
      for (const d of drawings) assert.match(d.trimEnd(), /^importing: [\d,]+ rows read, [\d,]+ rows\/s, \d invalid$/);

      let piped = "";
      const pipe: ProgressStream = { isTTY: false, write: (text) => (piped += text) };
      await inProcess(store, ["contacts", "import", String(list.id), file], pipe);
      assert.equal(piped, "", "no progress line into a pipe or a log file");
    });

    it("exits non-zero from an import only when nothing could be imported or the file cannot be read", async () => {
      const list = await store.fullsms.lists.create(accountId, "exit codes", null, Date.now());
      const dir = mkdtempSync(join(tmpdir(), "starling-csv-"));
      const write = (name: string, lines: string[]) => {
        const file = join(dir, name);
        writeFileSync(file, `${lines.join("\n")}\n`);
        return file;
      };
      const id = String(list.id);
      const mostlyGood = write("mostly-good.csv", [
        ...Array.from({ length: 995 }, (_, i) => `07911 ${100_000 + i}`),
        ...Array.from({ length: 5 }, (_, i) => `bad-${i}`),
      ]);
      const good = await cli("contacts", "import", id, mostlyGood, "--json");
      assert.equal(good.code, 0, good.stderr);
      assert.deepEqual([good.json.added, good.json.invalid], [995, 5]);
      const again = await cli("contacts", "import", id, mostlyGood, "--json");
      assert.equal(again.code, 0, "rows already on the list are not a failure");
      assert.equal(again.json.unchanged, 995);

      const allBad = await cli("contacts", "import", id, write("all-bad.csv", ["phone", "12345", "nonsense", ""]), "--json");
      assert.equal(allBad.code, 1, "nothing could be imported");
      assert.equal(allBad.json.invalid, 2, "the report is still printed");
      const empty = await cli("contacts", "import", id, write("empty.csv", ["phone"]));
      assert.equal(empty.code, 1, "a file without rows imports nothing");

      const missing = await cli("contacts", "import", id, join(dir, "no-such-file.csv"));
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /^starling: cannot read .*no-such-file\.csv/);
      const directory = await cli("contacts", "import", id, dir);
      assert.equal(directory.code, 1);
      assert.match(directory.stderr, /^starling: cannot read /);
    });

    it("shows a campaign's status and progress", async () => {
      const id = randomUUID();
      await store.fullsms.campaigns.create(
        {
          id,
          accountId,
          keyId: null,
          kind: "lists",
          sender: "COPERATO",
          text: "t",
          templateId: null,
          listIds: [3, 4],
          deliverAt: 0,
          shortenLinks: false,
          linkBase: null,
          priority: Priority.BULK,
          ip: null,
          status: "expanding",
          createdAt: Date.now(),
        },
        { cursor: "+447911100499", enqueued: 500, skipped: 2, debitedMicros: 35_000_000 },
      );
      const [json, human, unknown] = await sequence([
        ["campaigns", "show", id, "--json"],
        ["campaigns", "show", id],
        ["campaigns", "show", randomUUID(), "--json"],
      ]);
      assert.equal(json.json.status, "expanding");
      assert.equal(json.json.enqueued, 500);
      assert.equal(json.json.skipped, 2);
      assert.equal(json.json.debited, 35);
      assert.equal(json.json.cursor, "+447911100499");
      assert.deepEqual(json.json.list_ids, [3, 4]);
      assert.match(human.stdout, /status\s+expanding/);
      assert.match(human.stdout, /enqueued\s+500/);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /not found/);
    });
  });
}

describe("FullSMS CLI binary (sqlite)", () => {
  it("registers the FullSMS commands in the starling CLI, with --json", async () => {
    const target = storeTargets[0]!;
    const url = await target.url();
    const store = await openStore(url);
    const { id } = await store.accounts.create(
      { name: "bin", country: "GB", currency: "EUR", balanceMicros: 0, webhookSecret: "s" },
      Date.now(),
    );
    await store.close();
    const added = await spawnCli(url, ["numbers", "add", String(id), "447911123456", "--country", "GB", "--json"]);
    assert.equal(added.code, 0, added.stderr);
    assert.deepEqual(added.json, { number: "447911123456", country: "GB", account_id: id, recognised: true });
    const missing = await spawnCli(url, ["campaigns", "show", randomUUID(), "--json"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^starling: campaign .* not found/);
  });

  it("sets an account's strict numbers option, after which contacts outside allocated ranges are refused", async () => {
    const url = await storeTargets[0]!.url();
    const store = await openStore(url);
    const { id } = await store.accounts.create(
      { name: "strict", country: "GB", currency: "EUR", balanceMicros: 0, webhookSecret: "s" },
      Date.now(),
    );
    const list = await store.fullsms.lists.create(id, "strict", null, Date.now());
    await store.close();
    const set = await spawnCli(url, ["accounts", "set", String(id), "--strict-numbers", "on", "--json"]);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.json.strict_numbers, true);
    const drama = await spawnCli(url, ["contacts", "add", String(list.id), "07700 900900", "--json"]);
    assert.equal(drama.code, 1);
    assert.match(drama.stderr, /not a valid phone number/);
    const real = await spawnCli(url, ["contacts", "add", String(list.id), "07911 123456", "--json"]);
    assert.equal(real.code, 0, real.stderr);
  });

  it("draws the import progress line on a real terminal (a pty from script(1)), not into pipes", async (t) => {
    if (!hasScript) return t.skip("script(1) from util-linux is not installed");
    const url = await storeTargets[0]!.url();
    const store = await openStore(url);
    const account = await store.accounts.create(
      { name: "tty", country: "GB", currency: "EUR", balanceMicros: 0, webhookSecret: "s" },
      Date.now(),
    );
    const list = await store.fullsms.lists.create(account.id, "tty", null, Date.now());
    await store.close();
    const file = join(mkdtempSync(join(tmpdir(), "starling-csv-")), "contacts.csv");
    writeFileSync(file, `${[...Array.from({ length: 2000 }, (_, i) => `07911 ${100_000 + i}`), "bad"].join("\n")}\n`);
    const args = ["contacts", "import", String(list.id), file];
    const command = [process.execPath, "--import", "tsx", CLI, ...args].map((a) => `'${a}'`).join(" ");
    const onTerminal = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile(
        "script",
        ["-qec", command, "/dev/null"],
        { env: { ...process.env, STARLING_DATABASE_URL: url, STARLING_LOG_LEVEL: "silent" } },
        (error, stdout) => resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout }),
      );
    });
    assert.equal(onTerminal.code, 0, onTerminal.out);
    assert.match(onTerminal.out, /importing: 2,001 rows read, [\d,]+ rows\/s, 1 invalid/);
    const piped = await spawnCli(url, args);
    assert.equal(piped.code, 0, piped.stderr);
    assert.doesNotMatch(piped.stderr + piped.stdout, /importing:/);
    assert.match(piped.stdout, /^2001 rows: 0 added, 0 re-subscribed, 2000 unchanged, 1 invalid/);
  });
});
