/** URLs inside a message text: what FullSMS refuses without short links, and what it shortens with them. */

export interface FoundUrl {
  /** Position in the text (UTF-16 indexes), end exclusive. */
  start: number;
  end: number;
  /** As written in the text. */
  text: string;
  /** Where a short link should send the reader (a "www." link gets https://). */
  target: string;
}

// http(s):// or www. up to whitespace; trailing sentence punctuation is not part of the link.
const URL_PATTERN = /\b(?:https?:\/\/|www\.)[^\s<>"]+/gi;
const TRAILING = /[.,;:!?'")\]}]+$/;

export function findUrls(text: string): FoundUrl[] {
  const found: FoundUrl[] = [];
  for (const match of text.matchAll(URL_PATTERN)) {
    const raw = match[0].replace(TRAILING, "");
    // "www." alone, or "http://" with nothing after it, is not a link.
    if (/^(?:https?:\/\/|www\.)$/i.test(raw)) continue;
    const start = match.index ?? 0;
    found.push({ start, end: start + raw.length, text: raw, target: /^www\./i.test(raw) ? `https://${raw}` : raw });
  }
  return found;
}

export const hasUrl = (text: string): boolean => findUrls(text).length > 0;

/** Replaces each found URL with what `replace` returns for it (called in text order). */
export function replaceUrls(text: string, urls: FoundUrl[], replace: (url: FoundUrl, index: number) => string): string {
  let out = "";
  let at = 0;
  urls.forEach((url, i) => {
    out += text.slice(at, url.start) + replace(url, i);
    at = url.end;
  });
  return out + text.slice(at);
}

/** A URL as it may be logged: no user, password or query (they can carry the receiver's credentials). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "(invalid URL)";
  }
}
