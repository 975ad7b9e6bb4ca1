import type { Dialect } from "./db.js";

/** PostgreSQL's error for the transaction its deadlock check aborted so that the others can go on. */
const isDeadlock = (error: unknown) => (error as { code?: unknown } | null)?.code === "40P01";

/**
 * Runs a whole transaction again when PostgreSQL aborted it to break a deadlock (it was rolled back
 * whole, so running it again is safe), at most `attempts` times in all. SQLite never deadlocks: one
 * connection, transactions in turn.
 */
export async function rerunOnDeadlock<T>(
  dialect: Dialect,
  transaction: () => Promise<T>,
  attempts = 3,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      if (dialect !== "postgres" || attempt >= attempts || !isDeadlock(error)) throw error;
    }
  }
}
