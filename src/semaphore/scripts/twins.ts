/**
 * The semaphore's atomic operations: each is one Lua script (`<name>-2.lua` in this folder) and
 * its TypeScript twin for the memory store. Both return the same raw reply, decoded in `../decode.ts`.
 *
 * Keys: KEYS[1] is a sorted set of owner token → expiry (server ms), KEYS[2] a hash of owner
 * token → metadata JSON. Only permits expiring after the server's now are counted, so a crashed
 * holder's permit returns by itself at its expiry and no sweeper is needed; each script removes at
 * most `reclaimLimit` expired permits, so none does work proportional to how many expired.
 */
import type { MemoryDb } from "../../store/memory/memory-db.js";
import type { MemoryTwin } from "../../store/script.js";
import { SemaphoreStatus } from "../status.js";
import type {
  AcquireArgs,
  AcquireReply,
  CountArgs,
  CountReply,
  HoldersArgs,
  HoldersReply,
  RefreshArgs,
  RefreshReply,
  ReleaseArgs,
  ReleaseReply,
} from "./scripts.js";

/** Mirror of `reclaim_expired`: removes up to `limit` expired permits and their metadata. */
function prune(db: MemoryDb, holders: string, meta: string, now: number, limit: number): void {
  for (const { member } of db.zrangebyscore(holders, -Infinity, now, limit)) {
    db.zrem(holders, member);
    db.hdel(meta, member);
  }
}

/** Mirror of `live_count`: permits expiring after `now` (scores are whole ms). */
function liveCount(db: MemoryDb, holders: string, now: number): number {
  return db.zcount(holders, now + 1, Infinity);
}

/** Mirror of `expire_with_last_permit`: the longest permit's TTL, or both keys gone. */
function touch(db: MemoryDb, holders: string, meta: string, now: number): boolean {
  const last = db.zrange(holders, -1, -1);
  const keyTtl = last.length === 0 ? 0 : last[0].score - now;
  if (keyTtl <= 0) {
    db.del(holders);
    db.del(meta);
    return false;
  }
  db.pexpire(holders, keyTtl);
  db.pexpire(meta, keyTtl);
  return true;
}

export const acquireTwin: MemoryTwin<AcquireArgs, AcquireReply> = (
  db,
  [holders, meta],
  [token, limit, ttlMs, data, r],
  now,
) => {
  prune(db, holders, meta, now, r);
  let count = liveCount(db, holders, now);
  const score = db.zscore(holders, token);
  const held = score !== null && score > now;
  if (!held && count >= limit) {
    const total = db.zcard(holders);
    const nth = db.zrange(holders, total - limit, total - limit)[0];
    return [SemaphoreStatus.Full, count, nth.score - now];
  }
  const expiresAt = now + ttlMs;
  db.zadd(holders, expiresAt, token);
  if (!held) count++;
  if (data !== "") db.hset(meta, { [token]: data });
  else if (score !== null && !held) db.hdel(meta, token);
  touch(db, holders, meta, now);
  return [SemaphoreStatus.Ok, expiresAt, count];
};

export const refreshTwin: MemoryTwin<RefreshArgs, RefreshReply> = (
  db,
  [holders, meta],
  [token, ttlMs, r],
  now,
) => {
  prune(db, holders, meta, now, r);
  const score = db.zscore(holders, token);
  if (score === null || score <= now) return [SemaphoreStatus.NotHeld];
  const expiresAt = now + ttlMs;
  db.zadd(holders, expiresAt, token);
  touch(db, holders, meta, now);
  return [SemaphoreStatus.Ok, expiresAt];
};

export const releaseTwin: MemoryTwin<ReleaseArgs, ReleaseReply> = (db, [holders, meta], [token, r], now) => {
  prune(db, holders, meta, now, r);
  const score = db.zscore(holders, token);
  if (score === null) return [SemaphoreStatus.NotHeld];
  db.zrem(holders, token);
  db.hdel(meta, token);
  if (score <= now) return [SemaphoreStatus.NotHeld];
  if (!touch(db, holders, meta, now)) return [SemaphoreStatus.Ok, 0];
  return [SemaphoreStatus.Ok, liveCount(db, holders, now)];
};

export const holdersTwin: MemoryTwin<HoldersArgs, HoldersReply> = (
  db,
  [holders, meta],
  [r, n, cs, ct],
  now,
) => {
  prune(db, holders, meta, now, r);
  const liveFrom = db.zcount(holders, -Infinity, now);
  let start = liveFrom;
  if (cs !== "") {
    const rank = db.zrank(holders, ct);
    // Expiries are whole ms, so "below cs" is "at most cs - 1".
    start =
      rank !== null && db.zscore(holders, ct) === Number(cs)
        ? rank + 1
        : db.zcount(holders, -Infinity, Number(cs) - 1);
    if (start < liveFrom) start = liveFrom;
  }
  const entries = db.zrange(holders, start, start + n - 1);
  const out: HoldersReply = [now, entries.length === n ? 1 : 0];
  for (const e of entries) out.push(e.member, e.score, db.hget(meta, e.member) ?? "");
  return out;
};

export const countTwin: MemoryTwin<CountArgs, CountReply> = (db, [holders, meta], [r], now) => {
  prune(db, holders, meta, now, r);
  return [liveCount(db, holders, now)];
};
