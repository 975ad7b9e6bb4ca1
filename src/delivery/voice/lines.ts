/** Concurrent calls on one trunk, at most: a call waits for a free line, first come first served. */
export class Lines {
  private busy = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  get inUse(): number {
    return this.busy;
  }

  async acquire(): Promise<() => void> {
    if (this.busy >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.busy++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The line passes straight to the next caller, so the count stays as it is.
      if (next) next();
      else this.busy--;
    };
  }
}
