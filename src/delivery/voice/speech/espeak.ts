/**
 * Text (or SSML) to speech with espeak-ng, the Debian package: it has a voice for every language of the
 * LOX24 enum and reads SSML with -m. The text goes in on stdin, never on the command line, so nothing in it
 * can be taken for an option and its length is not bounded by the argument limit.
 */
import { spawn, spawnSync } from "node:child_process";
import type { VoiceLang } from "../../../core/message.js";
import { type Pcm16, readWav } from "./wav.js";

export const ESPEAK_BINARY = "espeak-ng";

/** espeak-ng voice per LOX24 voice_lang. */
export const ESPEAK_VOICES: Readonly<Record<VoiceLang, string>> = {
  EN: "en-gb",
  DE: "de",
  FR: "fr-fr",
  IT: "it",
  ES: "es",
  PL: "pl",
  NL: "nl",
  RO: "ro",
  PT: "pt",
  CS: "cs",
  HU: "hu",
  SV: "sv",
  DA: "da",
  FI: "fi",
  SK: "sk",
  HR: "hr",
  TR: "tr",
  RU: "ru",
  BG: "bg",
  UK: "uk",
};

/** Undefined when espeak-ng runs; otherwise why not, for a start-up error that says what to install. */
export function espeakProblem(binary = ESPEAK_BINARY): string | undefined {
  const probe = spawnSync(binary, ["--version"], { encoding: "utf8", timeout: 10_000 });
  if (probe.error || probe.status !== 0) {
    return `voice is enabled but ${binary} cannot be run (${probe.error?.message ?? `exit ${probe.status}`}): install it with "apt-get install espeak-ng", or disable the voice connectors`;
  }
  return undefined;
}

export interface SpeakOptions {
  lang: VoiceLang;
  ssml: boolean;
  /** Words per minute (espeak-ng's default is 175; a little slower is easier to follow on a phone). */
  wordsPerMinute?: number;
  binary?: string;
  timeoutMs?: number;
}

export function speak(text: string, options: SpeakOptions): Promise<Pcm16> {
  const args = [
    "--stdout",
    "--stdin",
    "-v",
    ESPEAK_VOICES[options.lang],
    "-s",
    String(options.wordsPerMinute ?? 160),
  ];
  if (options.ssml) args.push("-m");
  return new Promise((resolve, reject) => {
    const child = spawn(options.binary ?? ESPEAK_BINARY, args, { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(
          new Error(
            `espeak-ng failed (${signal ?? `exit ${code}`}): ${Buffer.concat(err).toString("utf8").trim()}`,
          ),
        );
        return;
      }
      try {
        resolve(readWav(Buffer.concat(out)));
      } catch (error) {
        reject(error);
      }
    });
    child.stdin.on("error", () => {}); // a dying child closes its stdin; the close event reports it
    child.stdin.end(text, "utf8");
  });
}
