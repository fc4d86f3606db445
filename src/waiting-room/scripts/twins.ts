/**
 * The memory twins of the waiting-room scripts. Each mirrors its `.lua` file line by line and
 * returns exactly the same raw reply.
 */
import type { MemoryDb } from "../../store/memory/memory-db.js";
import { PACKED_LENGTH_LIMIT, WaitingRoomStatus } from "../status.js";
import type {
  AdmitArgs,
  AdmitReply,
  CountsArgs,
  CountsReply,
  HeadArgs,
  HeadReply,
  JoinArgs,
  JoinReply,
  LeaveArgs,
  LeaveReply,
  PositionArgs,
  PositionReply,
  PositionsArgs,
  PositionsReply,
} from "./scripts.js";

/** Mirror of `reclaim` in includes/room.lua. */
function reclaim(db: MemoryDb, keys: string[], now: number, limit: number, admissions: boolean): void {
  const stale = db.zrangebyscore(keys[1], -Infinity, now, limit);
  for (const e of stale) {
    db.zrem(keys[0], e.member);
    db.zrem(keys[1], e.member);
  }
  if (!admissions) return;
  const gone = db.zrangebyscore(keys[2], -Infinity, now, limit);
  for (const e of gone) db.zrem(keys[2], e.member);
}

/** Mirror of `extend` in includes/room.lua. */
function extend(db: MemoryDb, key: string, ms: number): void {
  if (db.pttl(key) < ms) db.pexpire(key, ms);
}

/** Mirror of `keep_alive` in includes/room.lua. */
function keepAlive(db: MemoryDb, keys: string[], ttl: number): void {
  if (db.pttl(keys[0]) < ttl) {
    const ms = ttl + Math.floor(ttl / 2);
    db.pexpire(keys[0], ms);
    db.pexpire(keys[1], ms);
    db.pexpire(keys[3], ms);
  }
}

export function joinTwin(
  db: MemoryDb,
  keys: string[],
  [user, ttl, limit, maxLength]: JoinArgs,
  now: number,
): JoinReply {
  reclaim(db, keys, now, limit, true);
  const expires = db.zscore(keys[2], user);
  if (expires !== null) {
    if (expires > now) return [WaitingRoomStatus.Admitted, 0, db.zcard(keys[0]), expires - now];
    db.zrem(keys[2], user);
  }
  let state: number = WaitingRoomStatus.Queued;
  let rank = db.zrank(keys[0], user);
  if (rank === null) {
    const length = db.zcard(keys[0]);
    if (length >= maxLength) return [WaitingRoomStatus.Full, 0, length, 0];
    const seq = db.incrby(keys[3], 1);
    db.zadd(keys[0], seq, user);
    rank = db.zrank(keys[0], user)!;
    state = WaitingRoomStatus.Joined;
  }
  db.zadd(keys[1], now + ttl, user);
  keepAlive(db, keys, ttl);
  return [state, rank, db.zcard(keys[0]), 0];
}

export function positionTwin(
  db: MemoryDb,
  keys: string[],
  [user, limit, ttl]: PositionArgs,
  now: number,
): PositionReply {
  reclaim(db, keys, now, limit, false);
  const rank = db.zrank(keys[0], user);
  if (rank === null) {
    const expires = db.zscore(keys[2], user);
    if (expires !== null && expires > now)
      return [WaitingRoomStatus.Admitted, 0, db.zcard(keys[0]), expires - now];
    return [WaitingRoomStatus.Absent, 0, db.zcard(keys[0]), 0];
  }
  if (ttl !== undefined) {
    db.zadd(keys[1], now + ttl, user);
    keepAlive(db, keys, ttl);
  }
  const length = db.zcard(keys[0]);
  if (length < PACKED_LENGTH_LIMIT) return rank * PACKED_LENGTH_LIMIT + length;
  return [WaitingRoomStatus.Queued, rank, length, 0];
}

export function positionsTwin(
  db: MemoryDb,
  keys: string[],
  [limit, ttl, ...users]: PositionsArgs,
  now: number,
): PositionsReply {
  reclaim(db, keys, now, limit, false);
  const out: PositionsReply = [0];
  let refreshed = false;
  for (const user of users) {
    const rank = db.zrank(keys[0], user);
    if (rank !== null) {
      out.push(rank);
      db.zadd(keys[1], now + ttl, user);
      refreshed = true;
    } else {
      const expires = db.zscore(keys[2], user);
      out.push(expires !== null && expires > now ? now - expires - 1 : -1);
    }
  }
  if (refreshed) keepAlive(db, keys, ttl);
  out[0] = db.zcard(keys[0]);
  return out;
}

export function leaveTwin(db: MemoryDb, keys: string[], [user, limit]: LeaveArgs, now: number): LeaveReply {
  reclaim(db, keys, now, limit, true);
  const queued = db.zrem(keys[0], user);
  db.zrem(keys[1], user);
  const admitted = db.zrem(keys[2], user);
  if (queued === 1) return WaitingRoomStatus.LeftQueue;
  if (admitted === 1) return WaitingRoomStatus.LeftAdmission;
  return WaitingRoomStatus.LeftNothing;
}

export function admitTwin(db: MemoryDb, keys: string[], [n, ttl, limit]: AdmitArgs, now: number): AdmitReply {
  reclaim(db, keys, now, limit, true);
  const admitted: string[] = [];
  let skipped = 0;
  outer: while (admitted.length < n && skipped < limit) {
    const head = db.zrange(keys[0], 0, n - admitted.length - 1);
    if (head.length === 0) break;
    for (const { member: user } of head) {
      const deadline = db.zscore(keys[1], user);
      db.zrem(keys[0], user);
      db.zrem(keys[1], user);
      if (deadline !== null && deadline > now) {
        db.zadd(keys[2], now + ttl, user);
        admitted.push(user);
      } else {
        skipped++;
        if (skipped >= limit) break outer;
      }
    }
  }
  if (admitted.length > 0) extend(db, keys[2], ttl);
  return admitted;
}

export function headTwin(db: MemoryDb, keys: string[], [count, limit]: HeadArgs, now: number): HeadReply {
  reclaim(db, keys, now, limit, true);
  const out: HeadReply = [now, db.zcard(keys[0]), db.zcard(keys[2])];
  for (const { member } of db.zrange(keys[0], 0, count - 1))
    out.push(member, db.zscore(keys[1], member) ?? now);
  return out;
}

export function countsTwin(db: MemoryDb, keys: string[], [limit]: CountsArgs, now: number): CountsReply {
  reclaim(db, keys, now, limit, true);
  return [db.zcard(keys[0]), db.zcard(keys[2])];
}
