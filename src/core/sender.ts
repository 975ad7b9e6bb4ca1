/** Sender identities: what the LOX24 pattern allows, and how a network will see them. */
export const SENDER_PATTERN = /^(\+?[1-9]\d{0,14}|[a-zA-Z0-9 ]{1,11})$/;

export type SenderKind = "alphanumeric" | "international" | "short_code";

export function senderKind(sender: string): SenderKind {
  if (/^\+?\d+$/.test(sender)) {
    const digits = sender.replace("+", "");
    return digits.length <= 8 && !sender.startsWith("+") ? "short_code" : "international";
  }
  return "alphanumeric";
}
