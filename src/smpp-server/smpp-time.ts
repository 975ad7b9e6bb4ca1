/**
 * SMPP 3.4 §7.1.1 times, "YYMMDDhhmmsstnnp": absolute (p "+"/"-": nn quarter hours ahead of/behind UTC)
 * or relative (p "R": a duration from now, each field a count). Empty means "not given".
 */
export class SmppTimeError extends Error {}

const FORM = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d)(\d{2})([+\-R])$/;

/** Unix ms the time stands for, undefined when empty; throws SmppTimeError when malformed. */
export function parseSmppTime(value: string | undefined, now: number): number | undefined {
  const text = (value ?? "").trim();
  if (text === "") return undefined;
  const m = FORM.exec(text);
  if (!m) throw new SmppTimeError(`not an SMPP time: "${text}"`);
  const [yy, mo, dd, hh, mi, ss, tenths, nn] = m.slice(1, 9).map(Number) as number[];
  const p = m[9];
  if (p === "R") {
    // Months and years as 30 and 365 days: SMPP leaves them undefined and SMSCs commonly do this.
    const seconds = (((yy! * 365 + mo! * 30 + dd!) * 24 + hh!) * 60 + mi!) * 60 + ss!;
    return now + seconds * 1000 + tenths! * 100;
  }
  if (mo! < 1 || mo! > 12 || dd! < 1 || dd! > 31 || hh! > 23 || mi! > 59 || ss! > 59 || nn! > 48)
    throw new SmppTimeError(`not an SMPP time: "${text}"`);
  const local = Date.UTC(2000 + yy!, mo! - 1, dd!, hh!, mi!, ss!, tenths! * 100);
  const offsetMs = nn! * 15 * 60_000;
  return p === "+" ? local - offsetMs : local + offsetMs;
}
