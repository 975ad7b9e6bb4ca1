/**
 * Erased text is not recoverable from the SQLite files (issue 17 item 2): after an OTP's SMS is final and
 * its text erased, and after an is_text_deleted message is, neither the database file nor its WAL holds
 * the text any more (secure_delete, and the WAL truncated by store/sqlite/scrub.ts). SQLite only: the
 * files are what is scanned. (PostgreSQL keeps old row versions until VACUUM: see the README.)
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import Database from "better-sqlite3";
import { after, before, describe, it } from "node:test";
import { SCRUB_INTERVAL_MS } from "../../src/store/sqlite/scrub.js";
import { http } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";
import { mobile, type OtpGateway, startOtpGateway } from "./otp-fixture.js";

const sqlite = storeTargets.find((t) => t.name === "sqlite")!;

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** How often each needle occurs in the database file and its WAL. */
function scan(dbFile: string, needles: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const file of [dbFile, `${dbFile}-wal`]) {
    const bytes = existsSync(file) ? readFileSync(file) : Buffer.alloc(0);
    let n = 0;
    for (const needle of needles) {
      for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) n++;
    }
    counts[file.endsWith("-wal") ? "wal" : "db"] = n;
  }
  return counts;
}

describe("erased text at rest (sqlite)", () => {
  let gw: OtpGateway;
  let dbFile: string;
  before(async () => {
    gw = await startOtpGateway(sqlite, {
      start: Date.now(),
      overrides: {
        "delivery.enabled": true,
        "delivery.simulator.enabled": true,
        "delivery.simulator.port": 0,
        // Receipts come late enough that the texts reach the database file (checkpointed below) first.
        "delivery.simulator.receiptDelayMs": 2500,
      },
    });
    gw.clock.now = () => Date.now();
    await gw.allowSender(gw.accountId, "Starling");
    dbFile = gw.gateway.config.database.url.replace(/^sqlite:/, "");
  });
  after(() => gw.stop());

  it("leaves no OTP code and no is_text_deleted text in the database file or the WAL", async () => {
    const needles: string[] = [];
    const uuids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await gw.call("POST", "/otp/create", { to_number: mobile(100 + i), from: "Starling", brand: "Acme" });
      assert.equal(res.status, 200, res.text);
      needles.push(`verification code is ${await gw.codeOf(res.body.otp_id)}`);
      uuids.push((await gw.gateway.store.otp.get(gw.accountId, res.body.otp_id))!.messageUuid);
    }
    const secret = `private text ${Math.random().toString(36).slice(2)}`;
    const sent = await http(gw.url, "POST", "/sms", {
      body: { text: secret, sender_id: "Starling", phone: "+14155552671", is_text_deleted: true },
      headers: { "X-LOX24-AUTH-TOKEN": gw.token },
    });
    assert.equal(sent.status, 201, sent.text);
    needles.push(secret);
    uuids.push(sent.body.uuid);

    // Like any checkpoint would (SQLite's own after 1,000 pages), copy the pages with the texts into the
    // database file before they are erased; erasing must then clear them there too.
    const other = new Database(dbFile);
    try {
      other.pragma("wal_checkpoint(PASSIVE)");
    } finally {
      other.close();
    }
    const beforeErasure = scan(dbFile, needles);
    assert.ok((beforeErasure.db ?? 0) > 0, "the texts were in the database file");
    for (const uuid of uuids) {
      await until(`message ${uuid} final and erased`, async () => {
        const m = await gw.gateway.store.messages.get(gw.accountId, uuid);
        return m && m.text === null && m.dlrCode === 1 ? m : undefined;
      });
    }
    const atErasure = scan(dbFile, needles);
    // Within a scrub interval or two (polled: the machine may be loaded), nothing is left in either file.
    const after = await until(
      "the erased text to leave the files",
      () => {
        const counts = scan(dbFile, needles);
        return counts.db === 0 && counts.wal === 0 ? counts : undefined;
      },
      6 * SCRUB_INTERVAL_MS,
    ).catch((error: Error) => {
      throw new Error(`${error.message}: still ${JSON.stringify(scan(dbFile, needles))} (at erasure ${JSON.stringify(atErasure)})`);
    });
    assert.deepEqual(after, { db: 0, wal: 0 });
    console.log(`occurrences of ${needles.length} erased texts: before erasure ${JSON.stringify(beforeErasure)}, at erasure ${JSON.stringify(atErasure)}, after scrub ${JSON.stringify(after)}`);
  });
});
