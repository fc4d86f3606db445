/**
 * The memory twins of the inventory scripts: each mirrors its Lua file line by line (see
 * common.lua for the data layout) and returns exactly the same raw reply.
 */
import type { MemoryDb } from "../../store/memory/memory-db.js";
import type { RawReply } from "../../store/script.js";

const SEP = "\u001f";

function recordInfo(r: string[], id: string, a: string): RawReply[] {
  const info: RawReply[] = [id, Number(r[1]), r[2]];
  const n = Number(r[4]);
  for (let i = 0; i < n; i++) info.push(r[5 + 3 * i] === "" ? a : r[5 + 3 * i], Number(r[7 + 3 * i]));
  return info;
}

function uncountHolder(db: MemoryDb, b: string, holder: string, q: number): void {
  if (db.hincrby(b, `p:${holder}`, -q) <= 0) db.hdel(b, `p:${holder}`);
}

function reclaim(
  db: MemoryDb,
  b: string,
  e: string,
  now: number,
  tombMs: number,
  out: RawReply[],
  index: number,
): void {
  for (const { member: m } of db.zrangebyscore(e, -Infinity, now)) {
    db.zrem(e, m);
    if (m.startsWith("t:")) {
      const id = m.slice(2);
      const rec = db.hget(b, `r:${id}`);
      if (rec !== null && rec[0] !== "H") {
        const r = rec.split(SEP);
        if (r[3] !== "") db.hdel(b, `i:${r[3]}`);
        db.hdel(b, `r:${id}`);
      }
    } else {
      const line = db.hget(b, `l:${m}`);
      if (line !== null) {
        const l = line.split(SEP);
        const q = Number(l[0]);
        db.hincrby(b, "held", -q);
        if (l[2] === "1") uncountHolder(db, b, l[1], q);
        db.hdel(b, `l:${m}`);
        out.push(index, m, l[1], q);
      }
      const rec = db.hget(b, `r:${m}`);
      if (rec !== null && rec[0] === "H") {
        db.hset(b, { [`r:${m}`]: "X" + rec.slice(1) });
        db.zadd(e, now + tombMs, `t:${m}`);
      }
    }
  }
}

/** {total, held, sold, max, limit} or null when the item does not exist. */
function state(db: MemoryDb, b: string): number[] | null {
  const total = db.hget(b, "total");
  if (total === null) return null;
  return [
    Number(total),
    Number(db.hget(b, "held")),
    Number(db.hget(b, "sold")),
    Number(db.hget(b, "max")),
    Number(db.hget(b, "limit")),
  ];
}

export function getTwin(db: MemoryDb, keys: string[], [tombMs]: readonly [number], now: number): RawReply {
  const out: RawReply[] = [];
  reclaim(db, keys[0], keys[1], now, tombMs, out, 0);
  const s = state(db, keys[0]);
  return s ? [0, s, out] : [-1, [], out];
}

export function holdsTwin(
  db: MemoryDb,
  keys: string[],
  [tombMs, limit, budget]: readonly [number, number, number],
  now: number,
): RawReply {
  const [b, e] = keys;
  const out: RawReply[] = [];
  reclaim(db, b, e, now, tombMs, out, 0);
  if (!state(db, b)) return [-1, [], out];
  const lines: RawReply[] = [0];
  let found = 0;
  for (let start = 0; found < limit && start < budget; start += 100) {
    const batch = db.zrange(e, start, Math.min(start + 99, budget - 1));
    if (batch.length === 0) return [0, lines, out];
    for (const { member: m, score } of batch) {
      if (m.startsWith("t:")) continue;
      const line = db.hget(b, `l:${m}`);
      if (line === null) continue;
      const l = line.split(SEP);
      lines.push(m, score, l[1], Number(l[0]));
      if (++found >= limit) {
        lines[0] = 1;
        return [0, lines, out];
      }
    }
    if (start + 100 >= budget) lines[0] = 1;
  }
  return [0, lines, out];
}

export function defineTwin(
  db: MemoryDb,
  keys: string[],
  [stock, max, limit, tombMs]: readonly [number, number, number, number],
  now: number,
): RawReply {
  const [b, e] = keys;
  const out: RawReply[] = [];
  reclaim(db, b, e, now, tombMs, out, 0);
  const s = state(db, b);
  if (!s) {
    db.hset(b, { total: stock, held: 0, sold: 0, max, limit });
    return [1, [stock, 0, 0, max, limit], out];
  }
  if (max > 0 && s[0] > max) return [-8, [max, s[0]], out];
  db.hset(b, { max, limit });
  return [0, [s[0], s[1], s[2], max, limit], out];
}

export function adjustTwin(
  db: MemoryDb,
  keys: string[],
  [delta, tombMs]: readonly [number, number],
  now: number,
): RawReply {
  const [b, e] = keys;
  const out: RawReply[] = [];
  reclaim(db, b, e, now, tombMs, out, 0);
  const s = state(db, b);
  if (!s) return [-1, [], out];
  const total = s[0] + delta;
  if (delta > 0 && s[3] > 0 && total > s[3]) return [-8, [s[3], s[0]], out];
  if (delta < 0 && total < s[1] + s[2]) return [-2, [0, s[0] - s[1] - s[2]], out];
  db.hset(b, { total });
  s[0] = total;
  return [0, s, out];
}

export type HoldArgs = readonly [
  holdId: string,
  holder: string,
  ttlMs: number,
  idem: string,
  tombMs: number,
  ...quantities: number[],
];

export function holdTwin(db: MemoryDb, keys: string[], args: HoldArgs, now: number): RawReply {
  const [id, holder, ttl, idem, tomb] = args;
  const n = keys.length / 2;
  const out: RawReply[] = [];
  for (let i = 0; i < n; i++) reclaim(db, keys[2 * i], keys[2 * i + 1], now, tomb, out, i);
  const a = keys[0];
  if (idem !== "") {
    const prev = db.hget(a, `i:${idem}`);
    if (prev !== null) {
      const rec = db.hget(a, `r:${prev}`);
      if (rec !== null) {
        const r = rec.split(SEP);
        const code = r[0] === "X" ? -5 : r[0] === "C" ? -6 : r[0] === "R" ? -7 : 1;
        return [code, recordInfo(r, prev, a), out];
      }
    }
  }
  const limits: number[] = [];
  for (let i = 0; i < n; i++) {
    const b = keys[2 * i];
    const s = state(db, b);
    if (!s) return [-1, [i], out];
    const q = args[5 + i] as number;
    const avail = s[0] - s[1] - s[2];
    if (q > avail) return [-2, [i, avail], out];
    limits[i] = s[4];
    if (s[4] > 0) {
      const cur = Number(db.hget(b, `p:${holder}`) ?? "0");
      if (cur + q > s[4]) return [-3, [i, s[4], cur], out];
    }
  }
  const exp = now + ttl;
  const parts: (string | number)[] = ["H", exp, holder, idem, n];
  let firstLine = "";
  for (let i = 0; i < n; i++) {
    let b = keys[2 * i];
    let e = keys[2 * i + 1];
    const q = args[5 + i] as number;
    let counted = "0";
    if (limits[i] > 0) {
      counted = "1";
      db.hincrby(b, `p:${holder}`, q);
    }
    db.hincrby(b, "held", q);
    const line = `${q}${SEP}${holder}${SEP}${counted}`;
    db.zadd(e, exp, id);
    if (i === 0) {
      firstLine = line;
      b = "";
      e = "";
    } else {
      db.hset(b, { [`l:${id}`]: line });
    }
    parts.push(b, e, q);
  }
  if (idem !== "") db.hset(a, { [`l:${id}`]: firstLine, [`r:${id}`]: parts.join(SEP), [`i:${idem}`]: id });
  else db.hset(a, { [`l:${id}`]: firstLine, [`r:${id}`]: parts.join(SEP) });
  return [0, [exp], out];
}

export type FinishAction = "commit" | "release" | "extend";

export function finishTwin(
  db: MemoryDb,
  keys: string[],
  [id, action, tomb, ttl]: readonly [holdId: string, action: FinishAction, tombMs: number, ttlMs: number],
  now: number,
): RawReply {
  const [b, e] = keys;
  const out: RawReply[] = [];
  reclaim(db, b, e, now, tomb, out, 0);
  const rec = db.hget(b, `r:${id}`);
  if (rec === null) return [-4, [], out];
  const r = rec.split(SEP);
  const st = r[0];
  if (st === "X") return [-5, recordInfo(r, id, b), out];
  if (st === "C") return [action === "commit" ? 1 : -6, recordInfo(r, id, b), out];
  if (st === "R") return [action === "release" ? 1 : -7, recordInfo(r, id, b), out];
  const n = Number(r[4]);
  if (action === "extend") {
    const exp = now + ttl;
    for (let i = 0; i < n; i++) db.zadd(r[6 + 3 * i] === "" ? e : r[6 + 3 * i], exp, id);
    r[1] = String(exp);
    db.hset(b, { [`r:${id}`]: r.join(SEP) });
    return [0, recordInfo(r, id, b), out];
  }
  for (let i = 0; i < n; i++) {
    let bi = r[5 + 3 * i];
    let ei = r[6 + 3 * i];
    if (bi === "") [bi, ei] = [b, e];
    const q = Number(r[7 + 3 * i]);
    db.hincrby(bi, "held", -q);
    if (action === "commit") {
      db.hincrby(bi, "sold", q);
    } else {
      const line = db.hget(bi, `l:${id}`);
      if (line !== null) {
        const l = line.split(SEP);
        if (l[2] === "1") uncountHolder(db, bi, l[1], q);
      }
    }
    db.hdel(bi, `l:${id}`);
    db.zrem(ei, id);
  }
  r[0] = action === "commit" ? "C" : "R";
  db.hset(b, { [`r:${id}`]: r.join(SEP) });
  db.zadd(e, now + tomb, `t:${id}`);
  return [0, recordInfo(r, id, b), out];
}
