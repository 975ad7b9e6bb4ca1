/**
 * The OTP hash key lives outside the store (issue 17 item 2): a key file with owner-only permissions made
 * on the first start, rotation by a new first line, and a refusal to start without the key the store's
 * OTPs were made with. On every store.
 */
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { keyFingerprint, loadOtpHashKeys, OtpKeyError } from "../../src/app/otp-hash-keys.js";
import { type Gateway, startGateway } from "../../src/gateway.js";
import { openStore } from "../../src/store/open.js";
import { http } from "../helpers/gateway.js";
import { storeTargets } from "../helpers/stores.js";
import { mobile, type OtpGateway, startOtpGateway } from "./otp-fixture.js";

const keyLines = (file: string) => readFileSync(file, "utf8").split("\n").filter((l) => l && !l.startsWith("#"));

for (const target of storeTargets) {
  describe(`OTP hash key outside the store (${target.name})`, { skip: target.skip }, () => {
    let gw: OtpGateway;
    let keyFile: string;
    const otps: { id: string; code: string }[] = [];
    before(async () => {
      keyFile = join(mkdtempSync(join(tmpdir(), "starling-otp-key-")), "keys", "otp-hash.key");
      gw = await startOtpGateway(target, { start: Date.now(), overrides: { "otp.hashKeyFile": keyFile } });
      gw.clock.now = () => Date.now();
      await gw.allowSender(gw.accountId, "Starling");
      for (let i = 0; i < 3; i++) {
        const res = await gw.call("POST", "/otp/create", { to_number: mobile(200 + i), from: "Starling", brand: "Acme" });
        assert.equal(res.status, 200, res.text);
        otps.push({ id: res.body.otp_id, code: await gw.codeOf(res.body.otp_id) });
      }
    });
    after(() => gw.stop());

    /** Starts a gateway on the same store with `overrides`, runs `body`, stops it. */
    async function restarted(overrides: Record<string, unknown>, body: (g: Gateway) => Promise<void>) {
      const config = { ...gw.gateway.config, otp: { ...gw.gateway.config.otp, ...overrides } };
      const g = await startGateway(config, { store: gw.gateway.store, clock: gw.clock });
      try {
        await body(g);
      } finally {
        await g.stop();
      }
    }
    const verify = (g: Gateway, otp: { id: string; code: string }) =>
      http(g.url, "POST", "/otp/verify", {
        body: { otp_id: otp.id, code: Number(otp.code) },
        headers: { Authorization: `Bearer ${gw.token}`, Accept: "application/json" },
      });

    it("creates the key file on the first start, owner-only, and keeps no key in the store", async () => {
      assert.ok(existsSync(keyFile));
      assert.equal(statSync(keyFile).mode & 0o777, 0o600);
      const [key] = keyLines(keyFile);
      assert.match(key!, /^[0-9a-f]{64}$/);
      assert.equal(await gw.gateway.store.settings.get("otp_hash_key"), undefined);
      assert.equal(await gw.gateway.store.settings.get("otp_hash_key_id"), keyFingerprint(key!));
      if (target.name === "sqlite") {
        const file = gw.gateway.config.database.url.replace(/^sqlite:/, "");
        for (const f of [file, `${file}-wal`]) {
          if (existsSync(f)) assert.equal(readFileSync(f).indexOf(key!), -1, `${f} does not hold the key`);
        }
      }
    });

    it("a restart with the key file verifies a live OTP", async () => {
      await restarted({}, async (g) => {
        assert.deepEqual((await verify(g, otps[0]!)).body, { status: "approved" });
      });
    });

    it("refuses to start without the key once OTPs exist, and with a key of its own", async () => {
      const saved = readFileSync(keyFile);
      unlinkSync(keyFile);
      try {
        await assert.rejects(restarted({}, async () => {}), (e: Error) => e instanceof OtpKeyError && /not available/.test(e.message));
        assert.ok(!existsSync(keyFile), "no new key was made in its place");
        await assert.rejects(
          restarted({ hashKey: "another-host-key-0123456789" }, async () => {}),
          (e: Error) => e instanceof OtpKeyError && /differs/.test(e.message),
        );
      } finally {
        writeFileSync(keyFile, saved, { mode: 0o600 });
      }
      chmodSync(keyFile, 0o644);
      await assert.rejects(restarted({}, async () => {}), /readable by others/);
      chmodSync(keyFile, 0o600);
    });

    it("rotates: a new first line hashes new codes, the old key still verifies OTPs made before", async () => {
      const [old] = keyLines(keyFile);
      const fresh = "f".repeat(64);
      writeFileSync(keyFile, `${fresh}\n${old}\n`, { mode: 0o600 });
      await restarted({}, async (g) => {
        assert.deepEqual((await verify(g, otps[1]!)).body, { status: "approved" }, "made with the old key");
        assert.equal(await g.store.settings.get("otp_hash_key_id"), keyFingerprint(fresh));
      });
      // The old key alone is no longer enough: the store now expects the new one.
      const noFile = join(mkdtempSync(join(tmpdir(), "starling-otp-key-")), "none.key");
      await assert.rejects(restarted({ hashKey: old, hashKeyFile: noFile }, async () => {}), /differs/);
      // Configured keys work the same way as the file's lines.
      await restarted({ hashKey: fresh, previousHashKeys: [old!] }, async (g) => {
        assert.deepEqual((await verify(g, otps[2]!)).body, { status: "approved" });
      });
    });
  });
}

describe("OTP hash key kept in the store by earlier versions", () => {
  it("is moved out to the key file and deleted from the store", async () => {
    const dir = mkdtempSync(join(tmpdir(), "starling-otp-legacy-"));
    const store = await openStore(`sqlite:${join(dir, "s.db")}`);
    try {
      const legacy = "1".repeat(64);
      await store.settings.setIfAbsent("otp_hash_key", legacy);
      const keys = await loadOtpHashKeys(store, { file: join(dir, "otp-hash.key") });
      assert.equal(keys.current, legacy, "OTPs made with it still verify");
      assert.deepEqual(keyLines(join(dir, "otp-hash.key")), [legacy]);
      assert.equal(await store.settings.get("otp_hash_key"), undefined);
      // With a key configured, the old one becomes an earlier key in the file.
      await store.settings.setIfAbsent("otp_hash_key", "2".repeat(64));
      const again = await loadOtpHashKeys(store, { file: join(dir, "otp-hash.key"), configured: legacy });
      assert.deepEqual(again.all, [legacy, "2".repeat(64)]);
      assert.equal(await store.settings.get("otp_hash_key"), undefined);
    } finally {
      await store.close();
    }
  });
});
