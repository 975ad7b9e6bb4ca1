/**
 * GET /sms filters as API Platform spells them: `page`, `itemsPerPage`, `_order[created_at]`,
 * `iso2`, `uuid`, `created_at[between]=a..b`, `created_at[gt|gte|lt|lte]`, plus `status_code`,
 * `dlr_code`, `phone` and `text` (both partial matches) and `bulk_id`. Times are unix seconds or ISO 8601
 * dates. A list filter takes every spelling PHP's http_build_query produces (`iso2=DE`, `iso2[]=DE`,
 * `iso2[0]=DE&iso2[1]=AT`), since LOX24's PHP client sends the indexed one.
 */
import type { MessageQuery } from "../../store/ports/index.js";
import type { FieldViolation } from "../../errors.js";

export const DEFAULT_PER_PAGE = 30;
const MAX_PER_PAGE = 500;

type Raw = Record<string, string | string[] | undefined>;

const INDEXED = /^([^[\]]+)\[\d*\]$/;

/** Every value given for `name`, `name[]` or `name[N]`, in the order sent. */
export function valuesOf(raw: Raw, name: string): string[] {
  const values: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined || (key !== name && INDEXED.exec(key)?.[1] !== name)) continue;
    values.push(...(Array.isArray(value) ? value : [value]));
  }
  return values;
}

/** A list filter's values; "DE,AT" in one value counts as two. */
const list = (raw: Raw, name: string): string[] =>
  valuesOf(raw, name)
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);

function toMillis(value: string): number | undefined {
  if (/^\d{1,12}$/.test(value)) return Number(value) * 1000;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

export function parseCollectionQuery(raw: Raw): { query: MessageQuery } | { violations: FieldViolation[] } {
  const violations: FieldViolation[] = [];
  const int = (name: string, fallback: number, max: number): number => {
    const value = raw[name];
    if (value === undefined) return fallback;
    const n = Number(Array.isArray(value) ? value[0] : value);
    if (!Number.isInteger(n) || n < 1 || n > max) {
      violations.push({ field: name, message: `This value should be between 1 and ${max}.` });
      return fallback;
    }
    return n;
  };
  const time = (name: string): number | undefined => {
    const value = raw[name];
    if (value === undefined) return undefined;
    const ms = toMillis(Array.isArray(value) ? value[0]! : value);
    if (ms === undefined) violations.push({ field: name, message: "This value is not a valid date." });
    return ms;
  };
  const codes = (name: string): number[] | undefined => {
    const values = list(raw, name);
    if (values.length === 0) return undefined;
    const numbers = values.map(Number);
    if (numbers.some((n) => !Number.isInteger(n))) violations.push({ field: name, message: "This value is not valid." });
    return numbers;
  };

  const query: MessageQuery = {
    page: int("page", 1, 1_000_000),
    perPage: int("itemsPerPage", DEFAULT_PER_PAGE, MAX_PER_PAGE),
    order: "desc",
  };
  const order = raw["_order[created_at]"];
  if (order !== undefined) {
    const o = String(Array.isArray(order) ? order[0] : order).toLowerCase();
    if (o !== "asc" && o !== "desc") violations.push({ field: "_order[created_at]", message: "This value is not valid." });
    else query.order = o;
  }
  const iso2 = list(raw, "iso2").map((c) => c.toUpperCase());
  if (iso2.length > 0) query.iso2 = iso2;
  const between = raw["created_at[between]"];
  if (between !== undefined) {
    const [from, to] = String(Array.isArray(between) ? between[0] : between).split("..");
    const fromMs = from ? toMillis(from) : undefined;
    const toMs = to ? toMillis(to) : undefined;
    if (fromMs === undefined || toMs === undefined) {
      violations.push({ field: "created_at[between]", message: "This value is not a valid date range." });
    } else {
      query.createdFrom = fromMs;
      // A bare second covers the whole second.
      query.createdTo = to && /^\d+$/.test(to) ? toMs + 999 : toMs;
    }
  }
  const gte = time("created_at[gte]");
  const lte = time("created_at[lte]");
  const gt = time("created_at[gt]");
  const lt = time("created_at[lt]");
  if (gte !== undefined) query.createdFrom = Math.max(query.createdFrom ?? gte, gte);
  if (lte !== undefined) query.createdTo = Math.min(query.createdTo ?? lte + 999, lte + 999);
  if (gt !== undefined) query.createdAfter = gt + 999;
  if (lt !== undefined) query.createdBefore = lt;
  const status = codes("status_code");
  if (status) query.statusCode = status;
  const dlr = codes("dlr_code");
  if (dlr) query.dlrCode = dlr;
  const uuids = list(raw, "uuid").map((u) => u.toLowerCase());
  if (uuids.length > 0) query.uuids = uuids;
  // Numbers are stored as E.164, so the filter matches digits: "4155552671", "+1 415 555 2671" and
  // "0014155552671" (a leading "00" is the international prefix) all find +14155552671.
  const phones = valuesOf(raw, "phone")
    .filter((p) => p.trim() !== "")
    .map((p) => (p.trim().startsWith("00") ? p.trim().slice(2) : p).replace(/\D/g, ""));
  if (phones.some((p) => p === "")) violations.push({ field: "phone", message: "This value is not a valid phone number." });
  else if (phones.length > 0) query.phoneContains = phones;
  const text = valuesOf(raw, "text")[0];
  if (text) query.textContains = text;
  const bulk = raw.bulk_id;
  if (typeof bulk === "string" && bulk) query.bulkId = bulk;
  return violations.length > 0 ? { violations } : { query };
}
