/**
 * Group commit: operations that arrive while a transaction is being prepared share it. With a durable
 * store every commit costs an fsync; sharing one across the requests of the same instant is what lets
 * POST /sms stay durable and fast. Each operation keeps its own outcome (one may be refused for funds
 * while its neighbours commit), so an operation must leave no trace when it refuses itself.
 *
 * `maxInFlight` > 1 lets the next group start while the previous one is still becoming durable (on SQLite
 * a commit's caller waits for the WAL fsync after the connection is free, see store/sqlite/driver.ts):
 * without it the store idles through every fsync. Only safe where groups cannot interfere, e.g. where one
 * connection runs their transactions one after the other anyway.
 */
export class GroupCommit<Op, Result> {
  private pending: { op: Op; resolve: (r: Result) => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;
  private running = 0;

  constructor(
    private readonly runBatch: (ops: Op[]) => Promise<Result[]>,
    private readonly maxBatch = 500,
    private readonly maxInFlight = 1,
  ) {}

  submit(op: Op): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.pending.push({ op, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running >= this.maxInFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.running >= this.maxInFlight || this.pending.length === 0) return;
    this.running++;
    const batch = this.pending.splice(0, this.maxBatch);
    try {
      const results = await this.runBatch(batch.map((p) => p.op));
      for (const [i, p] of batch.entries()) p.resolve(results[i]!);
    } catch (error) {
      for (const p of batch) p.reject(error);
    } finally {
      this.running--;
      if (this.pending.length > 0) this.schedule();
    }
  }
}
