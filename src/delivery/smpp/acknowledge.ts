/**
 * Acknowledging a deliver_sm only once the app has taken it. SMPP's rule is that a deliver_sm without a
 * deliver_sm_resp is sent again, so answering before the receipt is stored loses it if we crash in between.
 * Listeners of `receipt` and `inbound` may call event.waitUntil(promise) (the ExtendableEvent pattern); the
 * deliver_sm_resp then waits for that promise. Listeners that do not call it get the old behaviour.
 */

export interface Acknowledgeable {
  /** Hold the SMSC's acknowledgement until `work` settles; a rejection makes the SMSC send it again. */
  waitUntil(work: Promise<unknown>): void;
}

/**
 * Emits `event` with waitUntil attached. Returns what the acknowledgement must wait for: undefined when no
 * listener asked to wait, a rejected promise when a listener threw.
 */
export function emitAcknowledgeable<T extends object>(
  emit: (event: T & Acknowledgeable) => boolean,
  event: T,
): Promise<void> | undefined {
  const work: Promise<unknown>[] = [];
  const handled = emit(Object.assign(event, { waitUntil: (p: Promise<unknown>) => void work.push(p) }));
  if (!handled) return Promise.reject(new Error("a listener failed"));
  return work.length > 0 ? Promise.all(work).then(() => undefined) : undefined;
}
