/**
 * Wall-clock times in a named time zone ("YYYY-MM-DD HH:MM:SS" as FullSMS's send_at) to instants, with
 * Intl only: the offset of a zone at an instant is read back from Intl.DateTimeFormat's parts.
 */
const FORMAT = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

const HALF_DAY = 12 * 3600 * 1000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when Intl knows the zone (IANA name such as "Europe/Berlin", or "UTC"). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Milliseconds the zone is ahead of UTC at this instant. */
export function zoneOffsetMs(instantMs: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(instantMs))) {
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  }
  const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return asUtc - Math.floor(instantMs / 1000) * 1000;
}

/**
 * The instant (unix ms) a local wall-clock time denotes in `timeZone`, or null when the text is not
 * "YYYY-MM-DD HH:MM:SS" or not a real calendar time. A time skipped by a DST change moves forward by
 * the gap; a repeated one takes its first occurrence.
 */
export function parseLocalDateTime(text: string, timeZone: string): number | null {
  const m = FORMAT.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(wall);
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return null;
  }
  if (!isTimeZone(timeZone)) return null;
  // The zone's offsets half a day either side cover any DST change near this time. An offset is right
  // when the instant it gives really has it; none right = the wall time fell into a spring-forward gap.
  const before = zoneOffsetMs(wall - HALF_DAY, timeZone);
  const after = zoneOffsetMs(wall + HALF_DAY, timeZone);
  const valid = [wall - before, wall - after].filter((t) => wall - zoneOffsetMs(t, timeZone) === t);
  return valid.length > 0 ? Math.min(...valid) : wall - before;
}
