import { SortedSet, type ZEntry } from "./sorted-set.js";

interface Entry {
  type: string;
  value: unknown;
  /** Absolute expiry in ms on the store's clock; undefined = no TTL. */
  expiresAt?: number;
}

/** Thrown by a twin for a programming error, mirroring a Lua runtime error (e.g. WRONGTYPE). */
export class MemoryDbError extends Error {}

/**
 * The memory store's data: a tiny, synchronous subset of Redis (strings, hashes, sorted sets, sets,
 * lists, plus any type a primitive registers through {@link MemoryDb.getTyped}) with PX expiry.
 *
 * Method names follow the Redis commands they stand for, so a twin reads like its Lua script.
 * `now` is set by the store before each twin runs; expired keys vanish on access, and a sampler
 * removes expired keys nobody reads again.
 */
export class MemoryDb {
  private readonly data = new Map<string, Entry>();
  private readonly volatile = new Set<string>();
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
    const live = this.entry(key) !== undefined;
    this.volatile.delete(key);
    this.data.delete(key);
    return live ? 1 : 0;
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

  /** Every live key matching a glob with `*` wildcards. */
  *scan(pattern: string): Iterable<string> {
    const re = globRegExp(pattern);
    for (const key of [...this.data.keys()]) if (re.test(key) && this.entry(key)) yield key;
  }

  /**
   * The first `count` live keys matching `pattern` that sort after `after` (all when undefined),
   * in key order, and whether more follow. Resuming after the last key returned visits every key
   * present for the whole scan exactly once. Costs one pass over the keys (no copy, no sort).
   */
  scanPage(pattern: string, after: string | undefined, count: number): { keys: string[]; more: boolean } {
    const re = globRegExp(pattern);
    // The part before any wildcard or escape is a plain prefix: a cheap test before the RegExp.
    const plain = pattern.search(/[*\\]/);
    const literal = plain < 0 ? pattern : pattern.slice(0, plain);
    // The count+1 smallest candidates, sorted: one more than asked says whether more follow.
    const best: string[] = [];
    for (const key of this.data.keys()) {
      if (after !== undefined && key <= after) continue;
      if (best.length > count && key >= best[count]) continue;
      if (!key.startsWith(literal) || !re.test(key) || !this.entry(key)) continue;
      let lo = 0;
      let hi = best.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (best[mid] < key) lo = mid + 1;
        else hi = mid;
      }
      best.splice(lo, 0, key);
      if (best.length > count + 1) best.pop();
    }
    const more = best.length > count;
    if (more) best.pop();
    return { keys: best, more };
  }

  // ---- strings ---------------------------------------------------------------------------------

  get(key: string): string | null {
    const e = this.entry(key, "string");
    return e ? (e.value as string) : null;
  }

  /** SET with optional PX; `keepTtl` keeps the existing TTL (as KEEPTTL). */
  set(key: string, value: string | number, options: { px?: number; keepTtl?: boolean } = {}): void {
    const old = this.entry(key);
    const e: Entry = { type: "string", value: String(value) };
    if (options.px !== undefined) e.expiresAt = this.now + options.px;
    else if (options.keepTtl && old) e.expiresAt = old.expiresAt;
    this.put(key, e);
  }

  incrby(key: string, by: number): number {
    const cur = this.get(key);
    const n = (cur === null ? 0 : Number(cur)) + by;
    const e = this.entry(key, "string");
    if (e) e.value = String(n);
    else this.put(key, { type: "string", value: String(n) });
    return n;
  }

  // ---- hashes ----------------------------------------------------------------------------------

  hget(key: string, field: string): string | null {
    return this.hash(key)?.get(field) ?? null;
  }

  hgetall(key: string): Map<string, string> {
    return new Map(this.hash(key) ?? []);
  }

  /** Sets fields from an object; returns how many were new. */
  hset(key: string, fields: Record<string, string | number>): number {
    const h = this.hash(key, true)!;
    let added = 0;
    for (const [f, v] of Object.entries(fields)) {
      if (!h.has(f)) added++;
      h.set(f, String(v));
    }
    return added;
  }

  hdel(key: string, ...fields: string[]): number {
    const h = this.hash(key);
    if (!h) return 0;
    let n = 0;
    for (const f of fields) if (h.delete(f)) n++;
    if (h.size === 0) this.del(key);
    return n;
  }

  hincrby(key: string, field: string, by: number): number {
    const h = this.hash(key, true)!;
    const n = Number(h.get(field) ?? 0) + by;
    h.set(field, String(n));
    return n;
  }

  hlen(key: string): number {
    return this.hash(key)?.size ?? 0;
  }

  // ---- sorted sets -----------------------------------------------------------------------------

  zadd(key: string, score: number, member: string): number {
    return this.zset(key, true)!.add(member, score) ? 1 : 0;
  }

  zrem(key: string, member: string): number {
    const z = this.zset(key);
    if (!z) return 0;
    const n = z.remove(member) ? 1 : 0;
    if (z.size === 0) this.del(key);
    return n;
  }

  zscore(key: string, member: string): number | null {
    return this.zset(key)?.score(member) ?? null;
  }

  zrank(key: string, member: string): number | null {
    return this.zset(key)?.rank(member) ?? null;
  }

  zcard(key: string): number {
    return this.zset(key)?.size ?? 0;
  }

  zrange(key: string, start: number, stop: number): ZEntry[] {
    return this.zset(key)?.range(start, stop) ?? [];
  }

  zrangebyscore(key: string, min: number, max: number, limit?: number): ZEntry[] {
    return this.zset(key)?.rangeByScore(min, max, limit) ?? [];
  }

  zremrangebyscore(key: string, min: number, max: number): ZEntry[] {
    const z = this.zset(key);
    if (!z) return [];
    const removed = z.removeByScore(min, max);
    if (z.size === 0) this.del(key);
    return removed;
  }

  zcount(key: string, min: number, max: number): number {
    return this.zset(key)?.countByScore(min, max) ?? 0;
  }

  // ---- sets ------------------------------------------------------------------------------------

  sadd(key: string, member: string): number {
    const s = this.getTyped<Set<string>>(key, "set", () => new Set())!;
    if (s.has(member)) return 0;
    s.add(member);
    return 1;
  }

  srem(key: string, member: string): number {
    const s = this.getTyped<Set<string>>(key, "set");
    if (!s?.delete(member)) return 0;
    if (s.size === 0) this.del(key);
    return 1;
  }

  smembers(key: string): string[] {
    return [...(this.getTyped<Set<string>>(key, "set") ?? [])];
  }

  sismember(key: string, member: string): boolean {
    return this.getTyped<Set<string>>(key, "set")?.has(member) ?? false;
  }

  scard(key: string): number {
    return this.getTyped<Set<string>>(key, "set")?.size ?? 0;
  }

  // ---- lists -----------------------------------------------------------------------------------

  rpush(key: string, value: string): number {
    const l = this.getTyped<string[]>(key, "list", () => [])!;
    l.push(value);
    return l.length;
  }

  lrange(key: string, start: number, stop: number): string[] {
    const l = this.getTyped<string[]>(key, "list") ?? [];
    const n = l.length;
    if (start < 0) start = Math.max(0, n + start);
    if (stop < 0) stop = n + stop;
    return l.slice(start, stop + 1);
  }

  llen(key: string): number {
    return this.getTyped<string[]>(key, "list")?.length ?? 0;
  }

  // ---- extension point -------------------------------------------------------------------------

  /**
   * The value of `key` if it holds `type`; with `create`, makes it when missing. Lets a primitive
   * keep a structure of its own (e.g. a stream) with the same expiry and type rules.
   * @throws MemoryDbError when the key holds another type (Redis' WRONGTYPE)
   */
  getTyped<T>(key: string, type: string, create?: () => T): T | undefined {
    const e = this.entry(key, type);
    if (e) return e.value as T;
    if (!create) return undefined;
    const value = create();
    this.put(key, { type, value });
    return value;
  }

  /** Removes up to `budget` expired keys; the store calls this from a timer. */
  sweepExpired(now: number, budget = 200): number {
    let removed = 0;
    let seen = 0;
    for (const key of this.volatile) {
      if (seen++ >= budget) break;
      const e = this.data.get(key);
      if (!e || (e.expiresAt !== undefined && e.expiresAt <= now)) {
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

  private entry(key: string, type?: string): Entry | undefined {
    const e = this.data.get(key);
    if (!e) return undefined;
    if (e.expiresAt !== undefined && e.expiresAt <= this.now) {
      this.data.delete(key);
      this.volatile.delete(key);
      return undefined;
    }
    if (type !== undefined && e.type !== type) {
      throw new MemoryDbError(`WRONGTYPE key ${key} holds ${e.type}, not ${type}`);
    }
    return e;
  }

  private put(key: string, e: Entry): void {
    this.data.set(key, e);
    if (e.expiresAt !== undefined) this.volatile.add(key);
    else this.volatile.delete(key);
  }

  private hash(key: string, create = false): Map<string, string> | undefined {
    return this.getTyped<Map<string, string>>(key, "hash", create ? () => new Map() : undefined);
  }

  private zset(key: string, create = false): SortedSet | undefined {
    return this.getTyped<SortedSet>(key, "zset", create ? () => new SortedSet() : undefined);
  }
}

/**
 * A glob as an anchored RegExp: `*` matches anything and `\x` is a literal `x` (as in Redis'
 * MATCH); every other character is literal (Holdfast's patterns use no `?` or `[…]`).
 */
function globRegExp(pattern: string): RegExp {
  let body = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") body += ".*";
    else {
      const literal = c === "\\" && i + 1 < pattern.length ? pattern[++i] : c;
      body += literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${body}$`, "s");
}
