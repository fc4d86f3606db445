/**
 * The semaphore's atomic operations: each is one Lua script (`<name>-2.lua` beside this file) and
 * its TypeScript twin for the memory store. Both return the same raw reply, decoded in `codec.ts`.
 *
 * Keys: KEYS[1] is a sorted set of owner token → expiry (server ms), KEYS[2] a hash of owner
 * token → metadata JSON. Every script first removes the permits whose expiry is at or before the
 * server's now, so a crashed holder's permit returns by itself and no sweeper is needed.
 */
import type { MemoryDb } from "../store/memory/memory-db.js";
import { defineScript } from "../store/script.js";

/** Removes expired permits and their metadata (the prologue of every script). */
function prune(db: MemoryDb, holders: string, meta: string, now: number): void {
  if (db.exists(meta)) {
    const expired = db.zrangebyscore(holders, -Infinity, now);
    if (expired.length > 0) db.hdel(meta, ...expired.map((e) => e.member));
  }
  db.zremrangebyscore(holders, -Infinity, now);
}

/** Gives both keys the TTL of the longest-lived permit, or deletes them when none is left. */
function touch(db: MemoryDb, holders: string, meta: string, now: number): void {
  const last = db.zrange(holders, -1, -1);
  if (last.length === 0) {
    db.del(meta);
    return;
  }
  const keyTtl = last[0].score - now;
  db.pexpire(holders, keyTtl);
  db.pexpire(meta, keyTtl);
}

export const acquireScript = defineScript<[token: string, limit: number, ttlMs: number, metadata: string]>(
  new URL("./acquire-2.lua", import.meta.url),
  (db, [holders, meta], [token, limit, ttlMs, data], now) => {
    prune(db, holders, meta, now);
    let count = db.zcard(holders);
    const held = db.zscore(holders, token) !== null;
    if (!held && count >= limit) {
      const nth = db.zrange(holders, count - limit, count - limit)[0];
      return [-1, count, nth.score - now];
    }
    const expiresAt = now + ttlMs;
    db.zadd(holders, expiresAt, token);
    if (!held) count++;
    if (data !== "") db.hset(meta, { [token]: data });
    touch(db, holders, meta, now);
    return [1, expiresAt, count];
  },
);

export const refreshScript = defineScript<[token: string, ttlMs: number]>(
  new URL("./refresh-2.lua", import.meta.url),
  (db, [holders, meta], [token, ttlMs], now) => {
    prune(db, holders, meta, now);
    if (db.zscore(holders, token) === null) return [-2];
    const expiresAt = now + ttlMs;
    db.zadd(holders, expiresAt, token);
    touch(db, holders, meta, now);
    return [1, expiresAt];
  },
);

export const releaseScript = defineScript<[token: string]>(
  new URL("./release-2.lua", import.meta.url),
  (db, [holders, meta], [token], now) => {
    prune(db, holders, meta, now);
    if (db.zrem(holders, token) === 0) return [-2];
    db.hdel(meta, token);
    touch(db, holders, meta, now);
    return [1, db.zcard(holders)];
  },
);

export const holdersScript = defineScript<[]>(
  new URL("./holders-2.lua", import.meta.url),
  (db, [holders, meta], _args, now) => {
    const hasMeta = db.exists(meta);
    prune(db, holders, meta, now);
    const out: (string | number)[] = [now];
    for (const e of db.zrange(holders, 0, -1)) {
      out.push(e.member, e.score, (hasMeta ? db.hget(meta, e.member) : null) ?? "");
    }
    return out;
  },
);

export const countScript = defineScript<[]>(
  new URL("./count-2.lua", import.meta.url),
  (db, [holders, meta], _args, now) => {
    prune(db, holders, meta, now);
    return [db.zcard(holders)];
  },
);
