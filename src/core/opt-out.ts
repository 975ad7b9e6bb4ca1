/**
 * Inbound keywords. An SMS that is only a stop word opts its sender out (carriers and regulators expect
 * STOP and friends to work everywhere); an SMS that is only a list's subscribe word subscribes them.
 */

/**
 * English words the US/UK industry codes require, plus the local words people actually send:
 * German STOPP/ABMELDEN, French ARRET (accents are ignored), Spanish BAJA, Italian/Portuguese words,
 * Dutch AFMELDEN and Hebrew הסר (the word Israeli law prints in every marketing SMS).
 */
export const OPT_OUT_WORDS: ReadonlySet<string> = new Set([
  "STOP",
  "STOPALL",
  "STOP ALL",
  "UNSUBSCRIBE",
  "END",
  "QUIT",
  "CANCEL",
  "OPTOUT",
  "OPT OUT",
  "REVOKE",
  "STOPP",
  "ABMELDEN",
  "ARRET",
  "DESABONNER",
  "BAJA",
  "CANCELAR",
  "PARAR",
  "SAIR",
  "ANNULLA",
  "AFMELDEN",
  "הסר",
  "הסרה",
]);

/** Trimmed, without surrounding punctuation, accents or case: "  Arrêt! " → "ARRET". */
export function keywordOf(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .trim()
    .replace(/^[\p{P}\s]+|[\p{P}\s]+$/gu, "")
    .replace(/\s+/g, " ")
    .toUpperCase();
}

export const isOptOut = (text: string): boolean => OPT_OUT_WORDS.has(keywordOf(text));

/** Subscribe words are kept in keyword form so that matching is a plain comparison. */
export const SUBSCRIBE_WORD = /^[\p{L}\p{N}][\p{L}\p{N} ]{0,29}$/u;
