import { SortedSet } from "./sorted-set.js";

/** What the journal needs of a stored entry. */
export interface JournalEntry {
  type: string;
  value: unknown;
  expiresAt?: number;
  bytes: number;
}

/** A copy of a stored value that later changes to the original do not reach. */
export function cloneValue(type: string, value: unknown): unknown {
  switch (type) {
    case "string":
      return value; // strings are immutable
    case "hash":
      return new Map(value as Map<string, string>);
    case "set":
      return new Set(value as Set<string>);
    case "list":
      return (value as string[]).slice();
    case "zset": {
      // Through the public interface, so this does not depend on how the sorted set is built.
      const copy = new SortedSet();
      for (const { member, score } of (value as SortedSet).range(0, -1)) copy.add(member, score);
      return copy;
    }
    default: {
      const clone = (value as { clone?: () => unknown }).clone;
      if (typeof clone !== "function")
        throw new Error(`a stored ${type} has no clone(): it cannot be undone`);
      return clone.call(value);
    }
  }
}

/**
 * The keys one script touched, each with its entry as it was before (undefined: it did not exist),
 * so that a script refused for the budget leaves the data exactly as it found it.
 */
export class Journal<E extends JournalEntry> {
  private readonly before = new Map<string, E | undefined>();
  /** Effects outside the data (pub/sub delivery) that happen only if the script is kept. */
  readonly onCommit: (() => void)[] = [];

  constructor(readonly usedAtStart: number) {}

  /** Records `key` the first time it is touched (before any change). */
  touch(key: string, e: E | undefined): void {
    if (this.before.has(key)) return;
    this.before.set(key, e && { ...e, value: cloneValue(e.type, e.value) });
  }

  /** Puts every touched key back into `data` (and `volatile`, the keys with a TTL). */
  restore(data: Map<string, E>, volatile: Set<string>): void {
    for (const [key, e] of this.before) {
      if (e === undefined) {
        data.delete(key);
        volatile.delete(key);
      } else {
        data.set(key, e);
        if (e.expiresAt !== undefined) volatile.add(key);
        else volatile.delete(key);
      }
    }
  }
}
