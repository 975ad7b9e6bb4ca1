/**
 * The text of a FullSMS send: the `message` itself or a template's content, within FullSMS's limits,
 * and with URLs only when the account may use short links.
 */
import { encodeText } from "../../core/encoding/index.js";
import { hasUrl } from "../../core/urls.js";
import { AppError, type FieldViolation } from "../../errors.js";
import type { AccountProfile } from "../../store/ports/index.js";
import type { AppDeps } from "../deps.js";

/**
 * 612 GSM-7 / 268 UCS-2 is four concatenated parts (4 × 153, 4 × 67). Counted as the network counts
 * (a GSM extension character or an emoji takes two), so a text within the limit is at most four parts.
 */
export const LIMITS = { gsm7: 612, ucs2: 268 } as const;

export function lengthViolation(text: string, field: string): FieldViolation | undefined {
  const { encoding, units } = encodeText(text);
  const limit = LIMITS[encoding];
  if (units <= limit) return undefined;
  const name = field.replace(/_/g, " ");
  return { field, message: `The ${name} must not be greater than ${limit} characters.` };
}

/** A template id as FullSMS sends it ("42" or 42); anything else cannot name a template. */
export function templateIdOf(value: string | number): number | undefined {
  const text = String(value).trim();
  if (!/^\d{1,15}$/.test(text)) return undefined;
  const id = Number(text);
  return id > 0 ? id : undefined;
}

/** The text to send: the message, or the account's template (404 when it is not the account's). */
export async function resolveText(
  deps: AppDeps,
  account: AccountProfile,
  input: { message?: string | undefined; templateId?: string | number | undefined },
): Promise<{ text: string; templateId: number | null }> {
  if (input.message !== undefined) return { text: input.message, templateId: null };
  const id = input.templateId === undefined ? undefined : templateIdOf(input.templateId);
  const template = id === undefined ? undefined : await deps.store.fullsms.templates.get(account.id, id);
  if (!template) throw new AppError("template_not_found", "Template not found or not valid");
  // A template over the limits is "not valid" in the seed's words: the same 404.
  if (lengthViolation(template.content, "template_id")) throw new AppError("template_not_found", "Template not found or not valid");
  return { text: template.content, templateId: template.id };
}

/** Whether the text's URLs are to be shortened; 403 when it has some and the account may not. */
export function linkPolicy(account: AccountProfile, text: string): boolean {
  if (!hasUrl(text)) return false;
  if (!account.allowShortLinks) {
    throw new AppError(
      "short_links_not_allowed",
      "Shortlinks are not allowed in your account. You may use templates without shortlinks.",
    );
  }
  return true;
}
