/**
 * Erased text must not stay readable in the database files (issue 17 item 2). With `secure_delete` on,
 * SQLite overwrites what a write removes from a page (an erased message text, a deleted row) with zeros —
 * but in WAL mode the page images from before the erasure stay in the `-wal` file until that part of it is
 * overwritten, which can take arbitrarily long, and a checkpoint copies pages without shortening the file.
 * So every few seconds, when the WAL holds anything, a TRUNCATE checkpoint moves it into the database file
 * (whose pages then hold the erased versions) and truncates the WAL to nothing.
 */
import { statSync } from "node:fs";
import { type Kysely, sql } from "kysely";

/** How long erased text may remain in the WAL at most (plus the time a checkpoint waits for readers). */
export const SCRUB_INTERVAL_MS = 5_000;

/** Starts the periodic scrub of `file`'s WAL; returns a stop function. */
export function scrubWalPeriodically(kysely: Kysely<unknown>, file: string, onError: (e: Error) => void): () => Promise<void> {
  let running: Promise<void> | undefined;
  const scrub = async () => {
    let size = 0;
    try {
      size = statSync(`${file}-wal`).size;
    } catch {
      return; // no WAL file (yet)
    }
    if (size === 0) return;
    // Through Kysely, so it waits for the single connection like any query and never runs inside a
    // transaction. A reader in another process (the CLI) can keep it from finishing: the next run retries.
    await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(kysely);
  };
  const timer = setInterval(() => {
    running ??= scrub()
      .catch(onError)
      .finally(() => {
        running = undefined;
      });
  }, SCRUB_INTERVAL_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
