/**
 * Speech for a message's calls: synthesised once, kept while its attempts last (a retry after a busy line
 * plays the same audio without running espeak-ng again), dropped when the message is done or after a while.
 */
import type { VoiceLang } from "../../../core/message.js";
import { speak } from "./espeak.js";
import { type TelephoneAudio, toTelephone } from "./g711.js";
import { detectLanguage, isVoiceLang } from "./language.js";

export interface SpeechRequest {
  messageId: string;
  text: string;
  ssml: boolean;
  /** null = detect from the text (then the destination's country). */
  lang: string | null;
  destinationIso2: string | null;
}

export interface Speech extends TelephoneAudio {
  lang: VoiceLang;
}

export interface SynthesiserOptions {
  binary?: string;
  wordsPerMinute?: number;
  /** How long unused audio is kept (a message's retries normally come back well within this). */
  keepMs?: number;
  /** Upper bound on cached messages; the oldest goes first. */
  maxEntries?: number;
}

export class Synthesiser {
  private readonly cache = new Map<string, { speech: Promise<Speech>; usedAt: number }>();
  /** espeak-ng runs actually made (for tests: a retry must not synthesise again). */
  runs = 0;

  constructor(private readonly options: SynthesiserOptions = {}) {}

  speech(request: SpeechRequest): Promise<Speech> {
    this.evict();
    const cached = this.cache.get(request.messageId);
    if (cached) {
      cached.usedAt = Date.now();
      return cached.speech;
    }
    const speech = this.synthesise(request);
    this.cache.set(request.messageId, { speech, usedAt: Date.now() });
    // A failed synthesis is not kept: the next attempt tries again.
    speech.catch(() => this.cache.delete(request.messageId));
    return speech;
  }

  /** The message will not be called again. */
  forget(messageId: string): void {
    this.cache.delete(messageId);
  }

  get size(): number {
    return this.cache.size;
  }

  private async synthesise(request: SpeechRequest): Promise<Speech> {
    this.runs++;
    const lang = isVoiceLang(request.lang)
      ? request.lang
      : detectLanguage(request.text, request.destinationIso2);
    const pcm = await speak(request.text, {
      lang,
      ssml: request.ssml,
      ...(this.options.binary ? { binary: this.options.binary } : {}),
      ...(this.options.wordsPerMinute ? { wordsPerMinute: this.options.wordsPerMinute } : {}),
    });
    return { ...toTelephone(pcm), lang };
  }

  private evict(): void {
    const keepMs = this.options.keepMs ?? 30 * 60_000;
    const maxEntries = this.options.maxEntries ?? 1000;
    const now = Date.now();
    for (const [id, entry] of this.cache) {
      if (now - entry.usedAt > keepMs || this.cache.size > maxEntries) this.cache.delete(id);
    }
  }
}
