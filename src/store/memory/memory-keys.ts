import { COLLECTION_COST, KEY_COST, strBytes } from "./budget.js";
import { Journal } from "./journal.js";
import { globRegExp, scanPage } from "./scan-page.js";

export interface Entry {
  type: string;
  value: unknown;
  /** Absolute expiry in ms on the store's clock; undefined = no TTL. */
  expiresAt?: number;
  /** Bytes counted for this key and its value (see budget.ts). */
  bytes: number;
}

/** Thrown by a twin for a programming error, mirroring a Lua runtime error (e.g. WRONGTYPE). */
export class MemoryDbError extends Error {}

/**
 * The keyspace under {@link MemoryDb}'s data types: entries with PX expiry, the byte count of the
 * data held (budget.ts) and the journal that lets the store undo a script refused for its budget.
 */
export abstract class MemoryKeys {
  protected readonly data = new Map<string, Entry>();
  private readonly volatile = new Set<string>();
  protected used = 0;
  private journal: Journal<Entry> | undefined;
  /** The store's clock at the start of the current twin, in ms. */
  now = 0;
  private microsBase = -1;
  private microsSeq = 0;

  /**
   * The clock in microseconds, as Redis' TIME gives it. The memory clock has only milliseconds, so
   * calls within one millisecond get increasing sub-millisecond values (up to 999), which keeps
   * time-floored counters (fencing tokens) strictly increasing within a millisecond too.
   */
  nowMicros(): number {
    if (this.now !== this.microsBase) {
      this.microsBase = this.now;
      this.microsSeq = 0;
    } else if (this.microsSeq < 999) {
      this.microsSeq++;
    }
    return this.now * 1000 + this.microsSeq;
  }

  // ---- keys ------------------------------------------------------------------------------------

  exists(key: string): boolean {
    return this.entry(key) !== undefined;
  }

  /** Deletes a key; an already expired key counts as missing (returns 0), as in Redis. */
  del(key: string): number {
    const e = this.entry(key);
    if (!e) return 0;
    this.drop(key, e);
    return 1;
  }

  /** Remaining TTL in ms; -1 without TTL; -2 if missing (as PTTL). */
  pttl(key: string): number {
    const e = this.entry(key);
    if (!e) return -2;
    return e.expiresAt === undefined ? -1 : e.expiresAt - this.now;
  }

  /** Sets the TTL; ms <= 0 deletes the key (as PEXPIRE). Returns 1 if the key exists. */
  pexpire(key: string, ms: number): number {
    const e = this.entry(key);
    if (!e) return 0;
    if (ms <= 0) {
      this.del(key);
      return 1;
    }
    e.expiresAt = this.now + ms;
    this.volatile.add(key);
    return 1;
  }

  /** Sets an absolute expiry in ms (as PEXPIREAT). */
  pexpireat(key: string, atMs: number): number {
    return this.pexpire(key, atMs - this.now);
  }

  persist(key: string): number {
    const e = this.entry(key);
    if (!e || e.expiresAt === undefined) return 0;
    e.expiresAt = undefined;
    this.volatile.delete(key);
    return 1;
  }

  type(key: string): string {
    return this.entry(key)?.type ?? "none";
  }

  /** Every live key matching a glob with `*` wildcards (and `\x` for a literal x). */
  *scan(pattern: string): Iterable<string> {
    const re = globRegExp(pattern);
    for (const key of [...this.data.keys()]) if (re.test(key) && this.entry(key)) yield key;
  }

  /** One page of a resumable scan: see {@link scanPage} (scan-page.ts). */
  scanPage(pattern: string, after: string | undefined, count: number): { keys: string[]; more: boolean } {
    return scanPage(this.data.keys(), pattern, after, count, (key) => this.entry(key) !== undefined);
  }

  // ---- extension point -------------------------------------------------------------------------

  /**
   * The value of `key` if it holds `type`; with `create`, makes it when missing. Lets a primitive
   * keep a structure of its own (e.g. a stream) with the same expiry and type rules; such a
   * structure reports the bytes it adds or frees with {@link resizeKey}, and has a `clone()` (or is
   * a Map, Set, array or SortedSet) so that a refused script can be undone.
   * @throws MemoryDbError when the key holds another type (Redis' WRONGTYPE)
   */
  getTyped<T>(key: string, type: string, create?: () => T): T | undefined {
    const e = this.entry(key, type);
    if (e) return e.value as T;
    if (!create) return undefined;
    const value = create();
    this.put(key, { type, value, bytes: KEY_COST + strBytes(key) + COLLECTION_COST });
    return value;
  }

  /** Adds `delta` bytes (negative: frees them) to what `key` is counted for. */
  resizeKey(key: string, delta: number): void {
    const e = this.data.get(key);
    if (e) this.resize(e, delta);
  }

  // ---- budget ----------------------------------------------------------------------------------

  /** Bytes of data held, as counted by budget.ts (live keys and expired ones not yet swept). */
  get usedBytes(): number {
    return this.used;
  }

  /**
   * Starts recording every key touched from now on with its state before, so that
   * {@link rollbackJournal} can put them back. The store does this only while it is over budget.
   */
  startJournal(): void {
    this.journal = new Journal(this.used);
  }

  /** Bytes the data grew by (negative: shrank) since {@link startJournal}. */
  journalGrowth(): number {
    return this.journal ? this.used - this.journal.usedAtStart : 0;
  }

  /** Keeps what changed since startJournal, and stops recording. */
  commitJournal(): void {
    const after = this.journal?.onCommit ?? [];
    this.journal = undefined;
    for (const fn of after) fn();
  }

  /**
   * Runs `effect` (something outside the data, such as a pub/sub delivery) once the current
   * script is kept: at once when nothing is recorded, never if the script is undone.
   */
  afterCommit(effect: () => void): void {
    if (this.journal) this.journal.onCommit.push(effect);
    else effect();
  }

  /** Puts every key touched since startJournal back as it was, and stops recording. */
  rollbackJournal(): void {
    if (!this.journal) return;
    this.journal.restore(this.data, this.volatile);
    this.used = this.journal.usedAtStart;
    this.journal = undefined;
  }

  /** Removes up to `budget` expired keys; the store calls this from a timer. */
  sweepExpired(now: number, budget = 200): number {
    let removed = 0;
    let seen = 0;
    for (const key of this.volatile) {
      if (seen++ >= budget) break;
      const e = this.data.get(key);
      if (!e || (e.expiresAt !== undefined && e.expiresAt <= now)) {
        if (e) this.used -= e.bytes;
        this.data.delete(key);
        this.volatile.delete(key);
        removed++;
      } else {
        // Rotate so the next sweep looks at other keys first.
        this.volatile.delete(key);
        this.volatile.add(key);
      }
    }
    return removed;
  }

  /** Number of live and not-yet-swept keys (for tests and health). */
  get size(): number {
    return this.data.size;
  }

  // ---- internals -------------------------------------------------------------------------------

  protected entry(key: string, type?: string): Entry | undefined {
    const e = this.data.get(key);
    // Recorded before any change, even on a read (the caller may change what it gets back).
    this.journal?.touch(key, e);
    if (!e) return undefined;
    if (e.expiresAt !== undefined && e.expiresAt <= this.now) {
      this.drop(key, e);
      return undefined;
    }
    if (type !== undefined && e.type !== type) {
      throw new MemoryDbError(`WRONGTYPE key ${key} holds ${e.type}, not ${type}`);
    }
    return e;
  }

  protected put(key: string, e: Entry): void {
    this.journal?.touch(key, undefined);
    this.data.set(key, e);
    this.used += e.bytes;
    if (e.expiresAt !== undefined) this.volatile.add(key);
    else this.volatile.delete(key);
  }

  protected drop(key: string, e: Entry): void {
    this.used -= e.bytes;
    this.data.delete(key);
    this.volatile.delete(key);
  }

  protected resize(e: Entry, delta: number): void {
    e.bytes += delta;
    this.used += delta;
  }
}
