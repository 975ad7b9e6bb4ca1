/**
 * A change counter for PostgreSQL, the counterpart of SQLite's `PRAGMA data_version`: one connection per
 * process LISTENs on the channel that migration 017's triggers NOTIFY when a key or an account's profile
 * changes, and the counter moves with every notification. The credential cache (store/sql/credential-cache.ts)
 * serves a key from memory only while the counter has not moved since it read the key.
 *
 * A notification arrives once the other transaction has committed, normally within a millisecond; a
 * request handled in between still sees the key as it was (SQLite's check is synchronous). While the
 * listening connection is down the counter is NaN, so nothing is served from memory, and it takes a new
 * value once listening again (notifications sent meanwhile are lost, so everything kept is dropped).
 */
import pg from "pg";
import { CREDENTIALS_CHANNEL } from "../sql/migrations/017-credential-notify.js";

export interface ChangeListener {
  /** Changes whenever another connection changed a key or an account; NaN while not listening. */
  version(): number;
  close(): Promise<void>;
}

const RECONNECT_MS = 1000;

export async function listenForCredentialChanges(url: string): Promise<ChangeListener> {
  let counter = 0;
  let listening = false;
  let closed = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url });
    // Registered before connecting: an error on an idle client would otherwise be thrown.
    next.on("error", () => lost(next));
    next.on("end", () => lost(next));
    next.on("notification", (message) => {
      if (message.channel === CREDENTIALS_CHANNEL) counter++;
    });
    client = next;
    await next.connect();
    await next.query(`LISTEN ${CREDENTIALS_CHANNEL}`);
    // Listening must not keep a process alive that is otherwise done (the pool's connections do not either
    // once idle); pg.Client has unref() but its types do not say so.
    (next as unknown as { unref(): void }).unref();
    if (closed) {
      await next.end();
      return;
    }
    counter++;
    listening = true;
  };

  const lost = (which: pg.Client) => {
    if (which !== client) return;
    listening = false;
    client = undefined;
    which.end().catch(() => {});
    if (!closed) scheduleReconnect();
  };

  const reconnectAfterFailure = () => {
    if (client) lost(client);
    else if (!closed) scheduleReconnect();
  };

  const scheduleReconnect = () => {
    retry ??= setTimeout(() => {
      retry = undefined;
      connect().catch(reconnectAfterFailure);
    }, RECONNECT_MS);
    retry.unref();
  };

  // Not listening only means nothing is kept in memory: the store still works, and listening resumes later.
  await connect().catch(reconnectAfterFailure);
  return {
    version: () => (listening ? counter : Number.NaN),
    async close() {
      closed = true;
      listening = false;
      if (retry) clearTimeout(retry);
      const last = client;
      client = undefined;
      // Referenced again, or a process with nothing else to do would exit while the goodbye is under way.
      (last as unknown as { ref(): void } | undefined)?.ref();
      await last?.end().catch(() => {});
    },
  };
}
