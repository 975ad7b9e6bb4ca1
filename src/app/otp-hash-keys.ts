/**
 * The OTP code-hash keys, kept out of the store (issue 17 item 2). A copy of the database alone must not
 * be enough to recover codes (10^6 candidates hash in milliseconds once the key is known), so the key
 * comes from the configuration (`otp.hashKey`) or from a key file with owner-only permissions, created on
 * the first start. The file's first line is the current key and later lines are earlier keys, still
 * accepted when a code is checked: rotation is a new first line (or `otp.previousHashKeys`).
 *
 * The store keeps only a fingerprint of the current key (an HMAC under the key, which reveals nothing of
 * it). A process whose keys do not include the fingerprinted one refuses to start instead of making every
 * live OTP unverifiable — a missing key file, another host with a key of its own, a mistyped variable.
 */
import { createHmac, randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname } from "node:path";
import type { Store } from "../store/ports/index.js";

export interface OtpHashKeys {
  /** Hashes new codes. */
  current: string;
  /** Every key a stored hash may have been made with, the current one first. */
  all: readonly string[];
}

export interface OtpKeySource {
  /** `otp.hashKey`: takes precedence over the file's first line. */
  configured?: string | undefined;
  /** `otp.previousHashKeys`. */
  previous?: readonly string[];
  /** Where the key file is (read if present; created if no key is configured and none exists yet). */
  file: string;
}

export class OtpKeyError extends Error {}

/** Where earlier versions kept the key: moved out to the key file on the first start that finds it. */
const LEGACY_KEY_SETTING = "otp_hash_key";
const FINGERPRINT_SETTING = "otp_hash_key_id";

export function keyFingerprint(key: string): string {
  return createHmac("sha256", key).update("starling otp hash key id").digest("hex").slice(0, 32);
}

function readKeyFile(file: string): string[] {
  if (!existsSync(file)) return [];
  const mode = statSync(file).mode;
  if (process.platform !== "win32" && (mode & 0o077) !== 0) {
    throw new OtpKeyError(`OTP key file ${file} is readable by others (mode ${(mode & 0o777).toString(8)}): chmod 600 it`);
  }
  return readFileSync(file, "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

/** Writes the key file whole (owner-only from the first byte), replacing any earlier one atomically. */
function writeKeyFile(file: string, keys: readonly string[]): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  const text = `# Starling OTP hash keys: the first is current, later ones are earlier keys still accepted.\n${keys.join("\n")}\n`;
  writeFileSync(temporary, text, { mode: 0o600, flag: "wx" });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}

/**
 * Creates the key file with `key` unless another process (a second gateway starting at the same moment)
 * created it first: then that process's key is the one, and is returned.
 */
function createKeyFile(file: string, key: string): string {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `# Starling OTP hash keys: the first is current, later ones are earlier keys still accepted.\n${key}\n`, {
    mode: 0o600,
    flag: "wx",
  });
  try {
    linkSync(temporary, file); // unlike rename, fails if the file exists
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const [theirs] = readKeyFile(file);
    if (!theirs) throw new OtpKeyError(`OTP key file ${file} holds no key`);
    return theirs;
  } finally {
    unlinkSync(temporary);
  }
}

export async function loadOtpHashKeys(store: Store, source: OtpKeySource): Promise<OtpHashKeys> {
  const fileKeys = readKeyFile(source.file);
  for (const key of [source.configured, ...fileKeys, ...(source.previous ?? [])]) {
    if (key !== undefined && key.length < 16) throw new OtpKeyError("an OTP hash key must be at least 16 characters");
  }
  let current = source.configured ?? fileKeys[0];
  const all = new Set([...(current ? [current] : []), ...fileKeys, ...(source.previous ?? [])]);

  const legacy = await store.settings.get(LEGACY_KEY_SETTING);
  if (legacy !== undefined) {
    if (!all.has(legacy)) {
      // Into the file before it leaves the store, so no crash in between loses it.
      writeKeyFile(source.file, current === undefined ? [legacy] : [...fileKeys, legacy]);
      current ??= legacy;
      all.add(legacy);
    }
    await store.settings.delete(LEGACY_KEY_SETTING);
  }

  const recorded = await store.settings.get(FINGERPRINT_SETTING);
  if (current === undefined) {
    if (recorded !== undefined) {
      throw new OtpKeyError(
        `this store has OTPs made with a hash key that is not available: set otp.hashKey (STARLING_OTP_HASH_KEY) or restore the key file ${source.file}`,
      );
    }
    current = createKeyFile(source.file, randomBytes(32).toString("hex"));
    all.add(current);
  }

  const mine = keyFingerprint(current);
  const established = recorded ?? (await store.settings.setIfAbsent(FINGERPRINT_SETTING, mine));
  if (established !== mine) {
    if (![...all].some((key) => keyFingerprint(key) === established)) {
      throw new OtpKeyError(
        "the OTP hash key differs from the one this store's OTPs were made with (another host's key file, or a changed otp.hashKey?): " +
          `use the same key everywhere, or keep the old one as an earlier key (a later line of ${source.file}, or otp.previousHashKeys)`,
      );
    }
    // A rotation: the old key is still accepted, the new one is current from now on.
    await store.settings.set(FINGERPRINT_SETTING, mine);
  }
  return { current, all: [current, ...[...all].filter((key) => key !== current)] };
}
