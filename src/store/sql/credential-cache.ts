/**
 * Authenticated keys kept in memory, so that a request does not read its key and account from the store
 * every time (~15% of a POST /sms). Only where the store can say exactly when the copy may be stale:
 * SQLite's `PRAGMA data_version` changes whenever another connection (the CLI, another process) commits,
 * (PostgreSQL: a NOTIFY from migration 017's triggers, store/postgres/change-listener.ts, which arrives
 * just after the other transaction commits), and this process's own changes to keys and accounts go
 * through the stores that call `invalidate()`. So a
 * revoked key or a disabled account is refused from the next request on, as without the cache. Balances
 * are not part of what is cached (AccountProfile): they change with every send.
 */
const MAX_ENTRIES = 10_000;

/** Taken before a read from the store; the result may be kept only if nothing changed meanwhile. */
export interface CacheStamp {
  readonly generation: number;
  readonly version: number;
}

export class CredentialCache<V> {
  private readonly entries = new Map<number, V>();
  private generation = 0;
  private version: number | undefined;
  /** Set when the version was read in this turn of the event loop; cleared by the next turn. */
  private checkedThisTurn = false;

  /** `externalVersion` changes whenever another connection commits; NaN when it cannot tell. */
  constructor(private readonly externalVersion: () => number) {}

  /**
   * Requests authenticated in the same turn of the event loop share one look at the version (reading it
   * takes SQLite's WAL read lock: ~7 µs, 3–4% of a POST /sms): they were all read from their sockets
   * before that turn began, so a commit by another process during the turn is as if it came just after
   * them. The next turn looks again. Storing (stamp, set) always looks afresh: a read that a commit
   * overtook is never kept.
   */
  get(keyId: number): V | undefined {
    if (!this.checkedThisTurn) this.refresh();
    return this.entries.get(keyId);
  }

  stamp(): CacheStamp {
    this.refresh();
    return { generation: this.generation, version: this.version ?? Number.NaN };
  }

  /** Keeps `value` if neither this process nor another changed keys or accounts since `stamp`. */
  set(keyId: number, value: V, stamp: CacheStamp): void {
    this.refresh();
    if (stamp.generation !== this.generation || stamp.version !== this.version) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(keyId, value);
  }

  /** After this process changed a key or an account (balances aside). */
  invalidate(): void {
    this.generation++;
    this.entries.clear();
  }

  private refresh(): void {
    if (!this.checkedThisTurn) {
      this.checkedThisTurn = true;
      setImmediate(() => {
        this.checkedThisTurn = false;
      });
    }
    let version: number;
    try {
      version = this.externalVersion();
    } catch {
      version = Number.NaN; // NaN never equals itself: nothing is kept or served
    }
    if (version !== this.version || Number.isNaN(version)) {
      this.entries.clear();
      this.generation++;
      this.version = version;
    }
  }
}
