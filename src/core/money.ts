/**
 * Money is kept in integer micro-units (1/1,000,000 of the currency) everywhere below the API, so that
 * prices like 0.056 per part multiply and add exactly. Floats appear only at the API edge.
 */
export type Micros = number;

export const MICROS_PER_UNIT = 1_000_000;

/** Parses an amount given in currency units (number or decimal string) to micros, rejecting >6 decimals. */
export function toMicros(amount: number | string): Micros {
  const text = typeof amount === "number" ? amount.toFixed(6) : amount.trim();
  const match = /^(-?)(\d+)(?:\.(\d{1,6})\d*)?$/.exec(text);
  if (!match) throw new RangeError(`not an amount: ${amount}`);
  const [, sign, whole, fraction = ""] = match;
  const micros = Number(whole) * MICROS_PER_UNIT + Number(fraction.padEnd(6, "0"));
  if (!Number.isSafeInteger(micros)) throw new RangeError(`amount too large: ${amount}`);
  return sign === "-" ? -micros : micros;
}

/** Renders micros as the API's number (0.056), with no binary-float noise. */
export function fromMicros(micros: Micros): number {
  return Number((micros / MICROS_PER_UNIT).toFixed(6));
}
