/**
 * Collects the parts of concatenated messages until all have arrived. Parts come in any order and a lost
 * part must not pin memory forever: after `timeoutMs` the group is handed to onExpire with what it has.
 */
import type { ConcatInfo } from "./udh.js";

interface Group<T> {
  parts: (T | undefined)[];
  received: number;
  timer: NodeJS.Timeout;
}

export class Reassembler<T> {
  readonly #groups = new Map<string, Group<T>>();

  constructor(
    private readonly timeoutMs: number,
    private readonly onExpire: (parts: T[]) => void = () => {},
    /** A part that arrives again (a retransmission) replaces the first; merge decides what is kept. */
    private readonly merge: (first: T, again: T) => T = (_first, again) => again,
  ) {}

  /** All parts in order once the last one arrives; undefined while parts are missing. */
  add(key: string, info: ConcatInfo, part: T): T[] | undefined {
    const groupKey = `${key}|${info.ref}|${info.total}`;
    let group = this.#groups.get(groupKey);
    if (!group) {
      const timer = setTimeout(() => this.#expire(groupKey), this.timeoutMs);
      timer.unref();
      group = { parts: new Array<T | undefined>(info.total).fill(undefined), received: 0, timer };
      this.#groups.set(groupKey, group);
    }
    const earlier = group.parts[info.seq - 1];
    if (earlier === undefined) group.received++;
    group.parts[info.seq - 1] = earlier === undefined ? part : this.merge(earlier, part);
    if (group.received < info.total) return undefined;
    clearTimeout(group.timer);
    this.#groups.delete(groupKey);
    return group.parts as T[];
  }

  /** True while the group `info` belongs to has parts waiting. */
  has(key: string, info: ConcatInfo): boolean {
    return this.#groups.has(`${key}|${info.ref}|${info.total}`);
  }

  get pending(): number {
    return this.#groups.size;
  }

  /** Drops every incomplete group (on shutdown) without calling onExpire. */
  clear(): void {
    for (const group of this.#groups.values()) clearTimeout(group.timer);
    this.#groups.clear();
  }

  #expire(groupKey: string): void {
    const group = this.#groups.get(groupKey);
    if (!group) return;
    this.#groups.delete(groupKey);
    this.onExpire(group.parts.filter((p): p is T => p !== undefined));
  }
}
