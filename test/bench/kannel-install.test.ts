/**
 * The Kannel peer bench installs Debian's kannel when it is missing and it runs as root (issue 12's
 * harness: "installs Kannel from apt when missing"). Binaries and the command runner are the test's, so
 * nothing is installed here: a fake "apt-get" creates the binaries, as the real one would.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ensureKannel } from "../../bench/peers/kannel-process.js";

const binariesIn = () => {
  const dir = mkdtempSync(join(tmpdir(), "starling-kannel-install-"));
  return [join(dir, "bearerbox"), join(dir, "smsbox")];
};

test("missing Kannel, root: apt-get install -y kannel, then it can run", () => {
  const binaries = binariesIn();
  const commands: string[] = [];
  const missing = ensureKannel({
    binaries,
    isRoot: true,
    run: (command, args) => {
      commands.push([command, ...args].join(" "));
      for (const b of binaries) writeFileSync(b, "");
      return 0;
    },
  });
  assert.equal(missing, undefined);
  assert.deepEqual(commands, ["apt-get install -y kannel"]);
});

test("an install that fails at first is retried after apt-get update", () => {
  const binaries = binariesIn();
  const commands: string[] = [];
  const missing = ensureKannel({
    binaries,
    isRoot: true,
    run: (command, args) => {
      commands.push([command, ...args].join(" "));
      if (commands.length === 1) return 100; // "Unable to locate package kannel"
      if (args[0] === "install") for (const b of binaries) writeFileSync(b, "");
      return 0;
    },
  });
  assert.equal(missing, undefined);
  assert.deepEqual(commands, ["apt-get install -y kannel", "apt-get update", "apt-get install -y kannel"]);
});

test("missing Kannel, not root: nothing runs, the answer says how to install it", () => {
  const commands: string[] = [];
  const missing = ensureKannel({
    binaries: binariesIn(),
    isRoot: false,
    run: (command) => {
      commands.push(command);
      return 0;
    },
  });
  assert.match(missing ?? "", /apt-get install -y kannel/);
  assert.deepEqual(commands, []);
});

test("an install that leaves the binaries missing is reported", () => {
  const missing = ensureKannel({ binaries: binariesIn(), isRoot: true, run: () => 0 });
  assert.match(missing ?? "", /did not install it/);
});

test("installed Kannel: nothing runs", () => {
  const binaries = binariesIn();
  for (const b of binaries) writeFileSync(b, "");
  assert.equal(
    ensureKannel({
      binaries,
      isRoot: true,
      run: () => {
        throw new Error("must not run");
      },
    }),
    undefined,
  );
});
