import { SortedSet, type ZEntry } from "./sorted-set.js";
import { ELEMENT_COST, FIELD_COST, KEY_COST, MEMBER_COST, STRING_COST, strBytes } from "./budget.js";
import { MemoryKeys, type Entry } from "./memory-keys.js";

export { MemoryDbError } from "./memory-keys.js";

/**
 * The memory store's data: a tiny, synchronous subset of Redis (strings, hashes, sorted sets, sets,
 * lists, plus any type a primitive registers through {@link MemoryDb.getTyped}) with PX expiry.
 *
 * Method names follow the Redis commands they stand for, so a twin reads like its Lua script.
 * `now` is set by the store before each twin runs; expired keys vanish on access, and a sampler
 * removes expired keys nobody reads again.
 *
 * It counts the bytes of the data it holds as it changes ({@link usedBytes}), and can record the
 * state of every key a script touches ({@link startJournal}) so that the store can undo a script
 * that would grow the data past its budget.
 */
export class MemoryDb extends MemoryKeys {
  // ---- strings ---------------------------------------------------------------------------------

  get(key: string): string | null {
    const e = this.entry(key, "string");
    return e ? (e.value as string) : null;
  }

  /** SET with optional PX; `keepTtl` keeps the existing TTL (as KEEPTTL). */
  set(key: string, value: string | number, options: { px?: number; keepTtl?: boolean } = {}): void {
    const old = this.entry(key);
    const v = String(value);
    const e: Entry = {
      type: "string",
      value: v,
      bytes: KEY_COST + strBytes(key) + STRING_COST + strBytes(v),
    };
    if (options.px !== undefined) e.expiresAt = this.now + options.px;
    else if (options.keepTtl && old) e.expiresAt = old.expiresAt;
    if (old) this.used -= old.bytes;
    this.put(key, e);
  }

  incrby(key: string, by: number): number {
    const cur = this.get(key);
    const n = (cur === null ? 0 : Number(cur)) + by;
    const e = this.entry(key, "string");
    if (e) {
      const v = String(n);
      this.resize(e, strBytes(v) - strBytes(e.value as string));
      e.value = v;
    } else this.set(key, n);
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
    const e = this.data.get(key)!;
    let added = 0;
    for (const [f, v] of Object.entries(fields)) added += this.setField(e, h, f, String(v));
    return added;
  }

  hdel(key: string, ...fields: string[]): number {
    const h = this.hash(key);
    if (!h) return 0;
    const e = this.data.get(key)!;
    let n = 0;
    for (const f of fields) {
      const old = h.get(f);
      if (old !== undefined && h.delete(f)) {
        this.resize(e, -(FIELD_COST + strBytes(f) + strBytes(old)));
        n++;
      }
    }
    if (h.size === 0) this.del(key);
    return n;
  }

  hincrby(key: string, field: string, by: number): number {
    const h = this.hash(key, true)!;
    const n = Number(h.get(field) ?? 0) + by;
    this.setField(this.data.get(key)!, h, field, String(n));
    return n;
  }

  hlen(key: string): number {
    return this.hash(key)?.size ?? 0;
  }

  // ---- sorted sets -----------------------------------------------------------------------------

  zadd(key: string, score: number, member: string): number {
    if (!this.zset(key, true)!.add(member, score)) return 0;
    this.resize(this.data.get(key)!, MEMBER_COST + strBytes(member));
    return 1;
  }

  zrem(key: string, member: string): number {
    const z = this.zset(key);
    if (!z) return 0;
    if (!z.remove(member)) return 0;
    this.resize(this.data.get(key)!, -(MEMBER_COST + strBytes(member)));
    if (z.size === 0) this.del(key);
    return 1;
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
    let bytes = 0;
    for (const r of removed) bytes += MEMBER_COST + strBytes(r.member);
    this.resize(this.data.get(key)!, -bytes);
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
    this.resize(this.data.get(key)!, ELEMENT_COST + strBytes(member));
    return 1;
  }

  srem(key: string, member: string): number {
    const s = this.getTyped<Set<string>>(key, "set");
    if (!s?.delete(member)) return 0;
    this.resize(this.data.get(key)!, -(ELEMENT_COST + strBytes(member)));
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
    this.resize(this.data.get(key)!, ELEMENT_COST + strBytes(value));
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

  /** Sets one hash field, counting its bytes; returns 1 if it is new. */
  private setField(e: Entry, h: Map<string, string>, f: string, v: string): number {
    const old = h.get(f);
    h.set(f, v);
    if (old === undefined) {
      this.resize(e, FIELD_COST + strBytes(f) + strBytes(v));
      return 1;
    }
    this.resize(e, strBytes(v) - strBytes(old));
    return 0;
  }

  private hash(key: string, create = false): Map<string, string> | undefined {
    return this.getTyped<Map<string, string>>(key, "hash", create ? () => new Map() : undefined);
  }

  private zset(key: string, create = false): SortedSet | undefined {
    return this.getTyped<SortedSet>(key, "zset", create ? () => new SortedSet() : undefined);
  }
}
