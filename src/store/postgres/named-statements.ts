/**
 * Named (prepared) statements for the queries a process runs over and over.
 *
 * node-postgres sends a query with parameters as an unnamed statement: PostgreSQL parses, analyses and
 * plans its text on every execution. For the store's hot statements (multi-row INSERTs of 28 columns, the
 * set-based delivery UPDATEs) that was a large share of the server's CPU per message. A named statement is
 * parsed once per connection and then only bound and executed (and after a few runs PostgreSQL keeps a
 * generic plan); the client also stops sending the text each time.
 *
 * Only texts seen at least twice are named (a one-off query, e.g. an IN list of an odd length, stays
 * unnamed), and at most `maxNamed` per process, so a connection never holds an unbounded number of plans.
 */
import pg from "pg";

/** PostgreSQL's answer when a schema change (another process migrating) altered a named SELECT's columns. */
const STALE_PLAN = /cached plan must not change result type/;

export class StatementNames {
  readonly #named = new Map<string, string>();
  readonly #seenOnce = new Set<string>();
  #next = 0;

  constructor(
    private readonly maxNamed = 400,
    private readonly maxSeen = 5000,
  ) {}

  /** The statement's name, or undefined while it should run unnamed. */
  nameFor(text: string): string | undefined {
    const name = this.#named.get(text);
    if (name !== undefined) return name;
    if (this.#named.size >= this.maxNamed) return undefined;
    if (!this.#seenOnce.has(text)) {
      if (this.#seenOnce.size >= this.maxSeen) this.#seenOnce.clear();
      this.#seenOnce.add(text);
      return undefined;
    }
    this.#seenOnce.delete(text);
    return this.#assign(text);
  }

  /** The text's statement went stale on a connection: later runs prepare it afresh under a new name. */
  renew(text: string): void {
    if (this.#named.has(text)) this.#assign(text);
  }

  get size(): number {
    return this.#named.size;
  }

  #assign(text: string): string {
    const name = `starling_${++this.#next}`;
    this.#named.set(text, name);
    return name;
  }
}

type QueryResult = pg.QueryResult<Record<string, unknown>>;

/** A pg.Client class for pg.Pool's `Client` option that runs repeated parameterised queries as named statements. */
export function namingClient(names: StatementNames): typeof pg.Client {
  class NamingClient extends pg.Client {
    // biome-ignore lint/suspicious/noExplicitAny: pg's query() has a dozen overloads; only one shape is changed.
    override query(config: any, values?: any, callback?: any): any {
      if (
        typeof config !== "string" ||
        !Array.isArray(values) ||
        values.length === 0 ||
        callback !== undefined
      ) {
        return super.query(config, values, callback);
      }
      const name = names.nameFor(config);
      if (name === undefined) return super.query(config, values);
      // Outside a transaction the failed statement was its own: it may simply run again.
      const idle = this.getTransactionStatus() === "I";
      return (super.query({ name, text: config, values }) as Promise<QueryResult>).catch((error: unknown) => {
        if (!(error instanceof Error) || !STALE_PLAN.test(error.message)) throw error;
        names.renew(config);
        if (!idle) throw error;
        return super.query(config, values);
      });
    }
  }
  return NamingClient as unknown as typeof pg.Client;
}
