/**
 * The keepalive watchdog of a bound connection: an enquire_link every interval, and a peer that does not
 * answer one in time is dead. The interval lives on the Connection so that ending it stops the watchdog.
 */
import type { Connection } from "./connection.js";

export function startWatchdog(
  conn: Connection,
  intervalMs: number,
  timeoutMs: number,
  onDead: (error: Error) => void,
): void {
  // one enquire_link at a time: a slow answer must not pile up more of them
  let inFlight = false;
  const enquire = async (): Promise<void> => {
    if (!conn.alive || inFlight) return;
    inFlight = true;
    const outcome = await conn.request("enquire_link", {}, timeoutMs);
    inFlight = false;
    if (outcome.kind === "timeout") onDead(new Error("enquire_link not answered"));
  };
  conn.enquireTimer = setInterval(() => void enquire(), intervalMs);
}
