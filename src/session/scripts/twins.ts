/**
 * The session scripts and their memory twins. Each twin mirrors its `.lua` file and returns exactly
 * the same raw reply.
 */
import type { MemoryDb } from "../../store/memory/memory-db.js";
import type { MemoryTwin } from "../../store/script.js";
import type {
  ListArgs,
  ListReply,
  PointerArgs,
  PointerReply,
  PointerSetArgs,
  PointerSetReply,
  PutArgs,
  PutReply,
  RecordArgs,
  RecordReply,
  RevokeAllArgs,
  RevokeAllReply,
  RevokeArgs,
  RevokeReply,
} from "./scripts.js";

function reclaimIndex(db: MemoryDb, index: string, now: number, limit: number): void {
  for (const e of db.zrangebyscore(index, -Infinity, now, limit)) db.zrem(index, e.member);
}

function extend(db: MemoryDb, key: string, ms: number): void {
  if (db.pttl(key) < ms) db.pexpire(key, ms);
}

export const putTwin: MemoryTwin<PutArgs, PutReply> = (
  db,
  [index, record],
  [id, data, ttl, max, limit, prefix],
  now,
) => {
  reclaimIndex(db, index, now, limit);
  let evicted = 0;
  if (db.zscore(index, id) === null) {
    const over = db.zcard(index) - max + 1;
    if (over > 0) {
      const oldest = db.zrange(index, 0, over - 1);
      for (const e of oldest) db.del(prefix + e.member);
      for (const e of oldest) db.zrem(index, e.member);
      evicted = oldest.length;
    }
  }
  db.hset(record, { d: data, t: ttl });
  if (db.hget(record, "c") === null) db.hset(record, { c: now });
  db.pexpire(record, ttl);
  db.zadd(index, now + ttl, id);
  extend(db, index, ttl);
  return [evicted, Number(db.hget(record, "c"))];
};

export const recordTwin: MemoryTwin<RecordArgs, RecordReply> = (db, [index, record], [id, touch], now) => {
  const t = db.hget(record, "t");
  if (t === null) {
    db.zrem(index, id);
    return null;
  }
  const ttl = Number(t);
  if (touch === 1) {
    db.pexpire(record, ttl);
    db.zadd(index, now + ttl, id);
    extend(db, index, ttl);
  }
  return [db.hget(record, "d") ?? "", db.pttl(record), Number(db.hget(record, "c")), ttl];
};

export const revokeTwin: MemoryTwin<RevokeArgs, RevokeReply> = (db, [index, record], [id]) => {
  db.zrem(index, id);
  return db.del(record);
};

export const listTwin: MemoryTwin<ListArgs, ListReply> = (db, [index], [prefix, limit], now) => {
  reclaimIndex(db, index, now, limit);
  const out: ListReply = [];
  for (const { member: id } of db.zrange(index, 0, -1)) {
    const key = prefix + id;
    const t = db.hget(key, "t");
    if (t !== null) out.push(id, db.hget(key, "d") ?? "", Number(db.hget(key, "c")), Number(t), db.pttl(key));
    else db.zrem(index, id);
  }
  return out;
};

export const revokeAllTwin: MemoryTwin<RevokeAllArgs, RevokeAllReply> = (db, [index], [prefix]) => {
  let n = 0;
  for (const { member: id } of db.zrange(index, 0, -1)) n += db.del(prefix + id);
  db.del(index);
  return n;
};

export const pointerSetTwin: MemoryTwin<PointerSetArgs, PointerSetReply> = (db, [pointer], [user, ttl]) => {
  const old = db.hget(pointer, "u");
  db.hset(pointer, { u: user, t: ttl });
  db.pexpire(pointer, ttl);
  return old;
};

export const pointerTwin: MemoryTwin<PointerArgs, PointerReply> = (db, [pointer], [mode, onlyUser]) => {
  const user = db.hget(pointer, "u");
  if (user === null) return null;
  if (mode === 1) db.pexpire(pointer, Number(db.hget(pointer, "t")));
  else if (mode === 2 && (onlyUser === "" || onlyUser === user)) db.del(pointer);
  return user;
};
