import type { Micros } from "./money.js";

/** Price of a message: the destination country's price per part times the parts. Voice is billed as one part. */
export function priceOf(pricePerPart: Micros, partsCount: number): Micros {
  return pricePerPart * partsCount;
}
