/**
 * The memory twins of the lock scripts: each mirrors its `.lua` file and returns exactly the raw
 * reply its script returns.
 */
import type { MemoryDb } from "../../store/memory/memory-db.js";
import type { MemoryTwin } from "../../store/script.js";
import type {
  AcquireArgs,
  AcquireManyArgs,
  AcquireManyReply,
  AcquireReadArgs,
  AcquireReadReply,
  AcquireReply,
  CloseArgs,
  CloseReply,
  ClosedReply,
  ConflictReply,
  ForceReleaseReply,
  InspectReply,
  RefreshArgs,
  RefreshManyArgs,
  RefreshManyReply,
  RefreshReply,
  ReleaseArgs,
  ReleaseManyArgs,
  ReleaseManyReply,
  ReleaseReply,
} from "./scripts.js";
import { LockStatus } from "../status.js";

/** Mirror of `reclaim_readers`: removes at most 100 expired readers, oldest first. */
function reclaimReaders(db: MemoryDb, readersKey: string, now: number): void {
  const expired = Math.min(db.zcount(readersKey, -Infinity, now), 100);
  for (const e of expired > 0 ? db.zrange(readersKey, 0, expired - 1) : []) db.zrem(readersKey, e.member);
}

/** An exclusive lock is one string: `<token>\n<fence>\n<metadata>` (see includes/lock-value.lua). */
const lockValue = (token: string, fence: number, metadata: string) => `${token}\n${fence}\n${metadata}`;

/** The token, fence and metadata of a lock value. */
function lockFields(v: string): { token: string; fence: number; metadata: string } {
  const a = v.indexOf("\n");
  const b = v.indexOf("\n", a + 1);
  return { token: v.slice(0, a), fence: Number(v.slice(a + 1, b)), metadata: v.slice(b + 1) };
}

/** True when the lock value `v` (null when free) belongs to `token`. */
const heldBy = (v: string | null, token: string) => v !== null && v.startsWith(`${token}\n`);

/** A closed name's value: an empty token, no TTL (see close-1.lua). */
const isClosed = (v: string) => v.startsWith("\n");

/** What the multi-name refresh and release answer for a key `token` does not hold and that is `v`. */
const notHeldStatus = (v: string | null) =>
  v === null ? LockStatus.NotHeld : isClosed(v) ? LockStatus.Closed : LockStatus.HeldByAnother;

/** What refresh, release and close answer for such a key: a closed one's reply carries its fence. */
const notHeldReply = (v: string | null): number | ClosedReply =>
  v !== null && isClosed(v) ? [LockStatus.Closed, lockFields(v).fence] : notHeldStatus(v);

/** `{-1, …}` held by another owner, `{-5, …}` held by this very token (not reentrant), `{-6, …}` closed. */
function holderConflict(db: MemoryDb, lockKey: string, v: string, token: string): ConflictReply {
  const f = lockFields(v);
  if (f.token === token) return [LockStatus.HeldBySelf, db.pttl(lockKey), f.fence, ""];
  if (f.token === "") return [LockStatus.Closed, 0, f.fence, f.metadata];
  return [LockStatus.HeldByOwner, db.pttl(lockKey), f.fence, f.metadata];
}

/** `{-4, ms until the last reader expires, readers}` if live readers hold the key, else undefined. */
function readersConflict(db: MemoryDb, readersKey: string, now: number): ConflictReply | undefined {
  if (!db.exists(readersKey)) return undefined;
  reclaimReaders(db, readersKey, now);
  const top = db.zrange(readersKey, -1, -1);
  if (top.length === 0 || top[0].score <= now) return undefined;
  return [LockStatus.HeldByReaders, top[0].score - now, db.zcount(readersKey, now + 1, Infinity), ""];
}

/** max(counter + 1, server time in µs), stored back with the retention TTL. */
function nextFence(db: MemoryDb, fenceKey: string, ttlMs: number, retentionMs: number): number {
  const fence = Math.max(Number(db.get(fenceKey) ?? 0) + 1, db.nowMicros());
  db.set(fenceKey, fence, { px: Math.max(ttlMs, retentionMs) });
  return fence;
}

function extendReaders(db: MemoryDb, readersKey: string, ttlMs: number): void {
  if (db.pttl(readersKey) < ttlMs) db.pexpire(readersKey, ttlMs);
}

export const acquireTwin: MemoryTwin<AcquireArgs, AcquireReply> = (
  db,
  [lk, fk, rk],
  [token, ttlMs, metadata, retentionMs],
  now,
) => {
  const v = db.get(lk);
  if (v !== null) return holderConflict(db, lk, v, token);
  const readers = readersConflict(db, rk, now);
  if (readers) return readers;
  const fence = nextFence(db, fk, ttlMs, retentionMs);
  db.set(lk, lockValue(token, fence, metadata), { px: ttlMs });
  return [fence, now];
};

export const acquireReadTwin: MemoryTwin<AcquireReadArgs, AcquireReadReply> = (
  db,
  [lk, fk, rk],
  [token, ttlMs],
  now,
) => {
  const v = db.get(lk);
  if (v !== null) {
    const f = lockFields(v);
    if (f.token === "") return [LockStatus.Closed, 0, f.fence, f.metadata];
    return [LockStatus.HeldByOwner, db.pttl(lk), f.fence, f.metadata];
  }
  reclaimReaders(db, rk, now);
  const mine = db.zscore(rk, token);
  if (mine !== null && mine > now) return [LockStatus.HeldBySelf, mine - now, 0, ""];
  db.zadd(rk, now + ttlMs, token);
  extendReaders(db, rk, ttlMs);
  return [Number(db.get(fk) ?? 0), now];
};

export const refreshTwin: MemoryTwin<RefreshArgs, RefreshReply> = (db, [lk, rk, fk], [token, ttlMs], now) => {
  const v = db.get(lk);
  if (v !== null && heldBy(v, token)) {
    db.pexpire(lk, ttlMs);
    return [lockFields(v).fence, now, 1];
  }
  const score = db.zscore(rk, token);
  if (score !== null && score > now) {
    db.zadd(rk, now + ttlMs, token);
    extendReaders(db, rk, ttlMs);
    return [Number(db.get(fk) ?? 0), now, 2];
  }
  return notHeldReply(v);
};

export const releaseTwin: MemoryTwin<ReleaseArgs, ReleaseReply> = (db, [lk, rk], [token], now) => {
  const v = db.get(lk);
  if (heldBy(v, token)) {
    db.del(lk);
    return 1;
  }
  const score = db.zscore(rk, token);
  if (score !== null) {
    db.zrem(rk, token);
    if (score > now) return 2;
  }
  return notHeldReply(v);
};

export const acquireManyTwin: MemoryTwin<AcquireManyArgs, AcquireManyReply> = (
  db,
  keys,
  [token, ttlMs, metadata, retentionMs],
  now,
) => {
  const n = keys.length / 3;
  for (let i = 0; i < n; i++) {
    const lk = keys[i * 3];
    const v = db.get(lk);
    if (v !== null) return [...holderConflict(db, lk, v, token), i + 1];
    const readers = readersConflict(db, keys[i * 3 + 2], now);
    if (readers) return [...readers, i + 1];
  }
  const out: AcquireManyReply = [now];
  for (let i = 0; i < n; i++) {
    const fence = nextFence(db, keys[i * 3 + 1], ttlMs, retentionMs);
    db.set(keys[i * 3], lockValue(token, fence, metadata), { px: ttlMs });
    out.push(fence);
  }
  return out;
};

export const refreshManyTwin: MemoryTwin<RefreshManyArgs, RefreshManyReply> = (
  db,
  keys,
  [token, ttlMs],
  now,
) => {
  for (let i = 0; i < keys.length; i++) {
    const v = db.get(keys[i]);
    if (!heldBy(v, token)) return [notHeldStatus(v), i + 1];
  }
  for (const k of keys) db.pexpire(k, ttlMs);
  return now;
};

export const releaseManyTwin: MemoryTwin<ReleaseManyArgs, ReleaseManyReply> = (db, keys, [token]) => {
  let bad = 0;
  let code = 0;
  for (let i = 0; i < keys.length; i++) {
    const v = db.get(keys[i]);
    if (heldBy(v, token)) db.del(keys[i]);
    else if (bad === 0) {
      bad = i + 1;
      code = notHeldStatus(v);
    }
  }
  return bad === 0 ? 0 : [code, bad];
};

export const inspectTwin: MemoryTwin<[], InspectReply> = (db, [lk, rk, fk], _args, now) => {
  let readers = 0;
  let readerTtl = 0;
  if (db.exists(rk)) {
    readers = db.zcount(rk, now + 1, Infinity);
    const top = db.zrange(rk, -1, -1);
    if (top.length && top[0].score > now) readerTtl = top[0].score - now;
  }
  const v = db.get(lk);
  const f = v === null ? { token: "", fence: 0, metadata: "" } : lockFields(v);
  return [db.pttl(lk), f.token, f.fence, f.metadata, readers, readerTtl, Number(db.get(fk) ?? 0)];
};

export const closeTwin: MemoryTwin<CloseArgs, CloseReply> = (
  db,
  [lk],
  [token, metadata, replaceMetadata],
  now,
) => {
  const v = db.get(lk);
  if (v !== null && heldBy(v, token)) {
    const f = lockFields(v);
    // No px: the closed name keeps no TTL, as Redis' SET without PX.
    const kept = replaceMetadata === 1 ? metadata : f.metadata;
    db.set(lk, lockValue("", f.fence, kept));
    return [f.fence, now, kept];
  }
  return notHeldReply(v);
};

// MemoryDb.del does not look at expiry; Redis' DEL does not count an expired key.
const delLive = (db: MemoryDb, key: string) => (db.exists(key) ? db.del(key) : 0);

export const forceReleaseTwin: MemoryTwin<[], ForceReleaseReply> = (db, [lk, rk]) =>
  delLive(db, lk) + delLive(db, rk) > 0 ? 1 : 0;
