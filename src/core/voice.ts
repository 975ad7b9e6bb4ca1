/**
 * Rules for voice messages (service_code text2speech / text2speech_ssml): what text a call may carry,
 * how SSML is checked and counted, and how many attempts a message gets.
 */
import { XMLValidator } from "fast-xml-parser";

/** Price of a call to a country without its own voice price (config pricing.defaultVoicePricePerCall). */
export const DEFAULT_VOICE_PRICE_PER_CALL_MICROS = 150_000;

/** attempts_count_max when the request leaves it null: one retry after a busy or unanswered call. */
export const DEFAULT_VOICE_ATTEMPTS = 2;
export const MAX_VOICE_ATTEMPTS = 3;
/** Plain text read out: ~100 s of speech at espeak-ng's pace, longer than anyone listens on the phone. */
export const MAX_VOICE_TEXT = 1000;
/** SSML, markup included. */
export const MAX_SSML_TEXT = 2000;
/** Pauses in one SSML message, in total: a call is not a way to hold a line open. */
export const MAX_SSML_BREAK_SECONDS = 30;

export function voiceAttempts(attemptsCountMax: number | null | undefined): number {
  return Math.min(MAX_VOICE_ATTEMPTS, Math.max(1, attemptsCountMax ?? DEFAULT_VOICE_ATTEMPTS));
}

/** The seed sends its SSML example as text2speech: a text that is a <speak> document is read as SSML there too. */
export function looksLikeSsml(text: string): boolean {
  return /^\s*(<\?xml[^>]*\?>\s*)?<speak[\s>/]/.test(text);
}

/** Why this is not an SSML document we can read, or undefined when it is one. */
export function ssmlProblem(text: string): string | undefined {
  const result = XMLValidator.validate(text);
  if (result !== true) return `${result.err.msg.replace(/\.$/, "")} (line ${result.err.line})`;
  if (!looksLikeSsml(text)) return "the root element must be <speak>";
  const seconds = breakSeconds(text);
  if (seconds > MAX_SSML_BREAK_SECONDS)
    return `breaks add up to ${seconds} s, more than ${MAX_SSML_BREAK_SECONDS} s`;
  return undefined;
}

/** Total of the <break time="…"/> pauses (s or ms; a break without time counts as espeak-ng's 0.75 s). */
export function breakSeconds(ssml: string): number {
  let total = 0;
  for (const match of ssml.matchAll(/<break\b([^>]*)\/?>/g)) {
    const time = /time\s*=\s*["']\s*([\d.]+)\s*(ms|s)\s*["']/i.exec(match[1] ?? "");
    total += time ? Number(time[1]) / (time[2]!.toLowerCase() === "ms" ? 1000 : 1) : 0.75;
  }
  return Math.round(total * 1000) / 1000;
}

/**
 * chars_count of a voice message: the characters spoken. In SSML the markup is not spoken, and a pause
 * counts as 2 characters per started second (the LOX24 rule for a 1 s break).
 */
export function voiceCharsCount(text: string, ssml: boolean): number {
  if (!ssml) return [...text].length;
  const spoken = text
    .replace(/<[^>]*>/g, "")
    .replace(/&(lt|gt|amp|quot|apos|#\d+|#x[\da-f]+);/gi, "x")
    .trim();
  let breaks = 0;
  for (const match of text.matchAll(/<break\b([^>]*)\/?>/g))
    breaks += 2 * Math.max(1, Math.ceil(breakSeconds(match[0])));
  return [...spoken].length + breaks;
}

export interface VoiceTextCheck {
  ssml: boolean;
  charsCount: number;
  /** A violation message for the text field, when the text cannot be sent as voice. */
  problem?: string;
}

export function checkVoiceText(
  text: string,
  serviceCode: "text2speech" | "text2speech_ssml",
): VoiceTextCheck {
  const ssml = serviceCode === "text2speech_ssml" || (looksLikeSsml(text) && ssmlProblem(text) === undefined);
  const limit = ssml ? MAX_SSML_TEXT : MAX_VOICE_TEXT;
  const charsCount = voiceCharsCount(text, ssml);
  if ([...text].length > limit) {
    return {
      ssml,
      charsCount,
      problem: `This value is too long. It should have ${limit} characters or less.`,
    };
  }
  if (ssml) {
    const problem = ssmlProblem(text);
    if (problem) return { ssml, charsCount, problem: `This value is not valid SSML: ${problem}.` };
  }
  return { ssml, charsCount };
}
