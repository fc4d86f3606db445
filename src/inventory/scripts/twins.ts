/**
 * The memory twins of the inventory scripts: each mirrors its Lua file line by line (see
 * common.lua for the data layout) and returns exactly the same raw reply.
 */
import type { MemoryDb } from "../../store/memory/memory-db.js";
import type { Flat, HoldReply, HoldsReply, InventoryReply } from "./scripts.js";
import { InventoryStatus } from "../status.js";

const SEP = "\u001f";

/** Due entries one finish processes (see finish-2.lua). */
export const FINISH_CLEANUP = 2;

/** What `budget` is in common.lua: the due entries this call may still process. */
interface Call {
  budget: number;
  out: Flat;
}

function recordInfo(r: string[], id: string, a: string): Flat {
  const info: Flat = [id, Number(r[1]), r[2], a, Number(r[5])];
  for (let i = 6; i < r.length; i += 3) info.push(r[i], Number(r[i + 2]));
  return info;
}

function uncountHolder(db: MemoryDb, b: string, holder: string, q: number): void {
  if (db.hincrby(b, `p:${holder}`, -q) <= 0) db.hdel(b, `p:${holder}`);
}

/** Mirror of `reclaim_entry`: [units given back, their holder]. */
function reclaimEntry(
  db: MemoryDb,
  b: string,
  e: string,
  m: string,
  now: number,
  tombMs: number,
  c: Call,
  index: number,
): [number, string] {
  db.zrem(e, m);
  if (m.startsWith("t:")) {
    const id = m.slice(2);
    const rec = db.hget(b, `r:${id}`);
    if (rec !== null && rec[0] !== "H") {
      const r = rec.split(SEP);
      if (r[3] !== "") db.hdel(b, `i:${r[3]}`);
      db.hdel(b, `r:${id}`);
    }
    return [0, ""];
  }
  const line = db.hget(b, `l:${m}`);
  const rec = line === null ? db.hget(b, `r:${m}`) : null;
  let q: number;
  let holder: string;
  let counted: string;
  if (line !== null) {
    const l = line.split(SEP);
    [q, holder, counted] = [Number(l[0]), l[1], l[2]];
    db.hdel(b, `l:${m}`);
  } else if (rec !== null && rec[0] === "H") {
    const r = rec.split(SEP);
    [q, holder, counted] = [Number(r[5]), r[2], r[4]];
    db.hset(b, { [`r:${m}`]: "X" + rec.slice(1) });
    db.zadd(e, now + tombMs, `t:${m}`);
  } else {
    return [0, ""];
  }
  db.hincrby(b, "held", -q);
  if (counted === "1") uncountHolder(db, b, holder, q);
  c.out.push(index, m, holder, q);
  return [q, holder];
}

/** Mirror of `reclaim`: [units given back, those of `holder`]. */
function reclaim(
  db: MemoryDb,
  b: string,
  e: string,
  now: number,
  tombMs: number,
  c: Call,
  index: number,
  want: number,
  holder: string,
  wantMine: number,
): [number, number] {
  let [freed, mine, size] = [0, 0, 4];
  while (c.budget > 0 && (freed < want || mine < wantMine)) {
    if (want !== Infinity && want - freed > size) size = want - freed;
    if (want === Infinity || size > c.budget) size = c.budget;
    const due = db.zrangebyscore(e, -Infinity, now, size);
    for (const { member } of due) {
      c.budget--;
      const [q, who] = reclaimEntry(db, b, e, member, now, tombMs, c, index);
      freed += q;
      if (who === holder) mine += q;
      if (freed >= want && mine >= wantMine) return [freed, mine];
    }
    if (due.length < size) return [freed, mine];
    size *= 2;
  }
  return [freed, mine];
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

export function getTwin(
  db: MemoryDb,
  keys: string[],
  [tombMs, limit]: readonly [tombMs: number, reclaimLimit: number],
  now: number,
): InventoryReply {
  const c: Call = { budget: limit, out: [] };
  reclaim(db, keys[0], keys[1], now, tombMs, c, 0, Infinity, "", 0);
  const s = state(db, keys[0]);
  if (!s) return [InventoryStatus.ItemNotFound, [], c.out];
  return [c.budget <= 0 ? InventoryStatus.More : InventoryStatus.Ok, s, c.out];
}

export function holdsTwin(
  db: MemoryDb,
  keys: string[],
  [limit, scan]: readonly [limit: number, scan: number],
  now: number,
): HoldsReply {
  const [b, e] = keys;
  if (db.hget(b, "total") === null) return [InventoryStatus.ItemNotFound, []];
  const lines: Flat = [0];
  let found = 0;
  let start = db.zcount(e, -Infinity, now);
  const end = start + scan;
  for (; found < limit && start < end; start += 100) {
    const batch = db.zrange(e, start, Math.min(start + 99, end - 1));
    if (batch.length === 0) return [InventoryStatus.Ok, lines];
    for (const { member: m, score } of batch) {
      if (m.startsWith("t:")) continue;
      const rec = db.hget(b, `r:${m}`);
      const line = rec !== null && rec[0] === "H" ? null : db.hget(b, `l:${m}`);
      let who: [string, number] | undefined;
      if (rec !== null && rec[0] === "H") {
        const r = rec.split(SEP);
        who = [r[2], Number(r[5])];
      } else if (line !== null) {
        const l = line.split(SEP);
        who = [l[1], Number(l[0])];
      }
      if (!who) continue;
      lines.push(m, score, who[0], who[1]);
      if (++found >= limit) {
        lines[0] = 1;
        return [InventoryStatus.Ok, lines];
      }
    }
    if (start + 100 >= end) lines[0] = 1;
  }
  return [InventoryStatus.Ok, lines];
}

export function defineTwin(
  db: MemoryDb,
  keys: string[],
  [stock, max, limit, tombMs, reclaimLimit]: readonly [
    stock: number,
    max: number,
    limit: number,
    tombMs: number,
    reclaimLimit: number,
  ],
  now: number,
): InventoryReply {
  const [b, e] = keys;
  const c: Call = { budget: reclaimLimit, out: [] };
  reclaim(db, b, e, now, tombMs, c, 0, Infinity, "", 0);
  const s = state(db, b);
  if (!s) {
    db.hset(b, { total: stock, held: 0, sold: 0, max, limit });
    return [InventoryStatus.Again, [stock, 0, 0, max, limit], c.out];
  }
  if (c.budget <= 0) return [InventoryStatus.More, s, c.out];
  if (max > 0 && s[0] > max) return [InventoryStatus.Capacity, [max, s[0]], c.out];
  db.hset(b, { max, limit });
  return [InventoryStatus.Ok, [s[0], s[1], s[2], max, limit], c.out];
}

export function adjustTwin(
  db: MemoryDb,
  keys: string[],
  [delta, tombMs, limit]: readonly [delta: number, tombMs: number, reclaimLimit: number],
  now: number,
): InventoryReply {
  const [b, e] = keys;
  const c: Call = { budget: limit, out: [] };
  reclaim(db, b, e, now, tombMs, c, 0, Infinity, "", 0);
  const s = state(db, b);
  if (!s) return [InventoryStatus.ItemNotFound, [], c.out];
  if (c.budget <= 0) return [InventoryStatus.More, s, c.out];
  const total = s[0] + delta;
  if (delta > 0 && s[3] > 0 && total > s[3]) return [InventoryStatus.Capacity, [s[3], s[0]], c.out];
  if (delta < 0 && total < s[1] + s[2]) return [InventoryStatus.Insufficient, [0, s[0] - s[1] - s[2]], c.out];
  db.hset(b, { total });
  s[0] = total;
  return [InventoryStatus.Ok, s, c.out];
}

export type HoldArgs = readonly [
  holdId: string,
  holder: string,
  ttlMs: number,
  idem: string,
  tombMs: number,
  reclaimLimit: number,
  ...quantities: number[],
];

export function holdTwin(db: MemoryDb, keys: string[], args: HoldArgs, now: number): HoldReply {
  const [id, holder, ttl, idem, tomb, limit] = args;
  const n = keys.length / 2;
  const a = keys[0];
  const c: Call = { budget: 0, out: [] };
  if (idem !== "") {
    const prev = db.hget(a, `i:${idem}`);
    if (prev !== null) {
      const rec = db.hget(a, `r:${prev}`);
      if (rec !== null) {
        const r = rec.split(SEP);
        const st = r[0];
        const code =
          st === "X" || (st === "H" && Number(r[1]) <= now)
            ? InventoryStatus.HoldExpired
            : st === "C"
              ? InventoryStatus.HoldCommitted
              : st === "R"
                ? InventoryStatus.HoldReleased
                : InventoryStatus.Again;
        return [code, recordInfo(r, prev, a), c.out];
      }
    }
  }
  c.budget = limit;
  const counted: string[] = [];
  for (let i = 0; i < n; i++) {
    const b = keys[2 * i];
    const total = db.hget(b, "total");
    if (total === null) return [InventoryStatus.ItemNotFound, [i], c.out];
    const q = args[6 + i] as number;
    let avail = Number(total) - Number(db.hget(b, "held")) - Number(db.hget(b, "sold"));
    const max = Number(db.hget(b, "limit"));
    let cur = max > 0 ? Number(db.hget(b, `p:${holder}`) ?? "0") : 0;
    if (q > avail || (max > 0 && cur + q > max)) {
      const over = max > 0 ? cur + q - max : 0;
      const [freed, mine] = reclaim(db, b, keys[2 * i + 1], now, tomb, c, i, q - avail, holder, over);
      avail += freed;
      cur -= mine;
      if (q > avail)
        return [c.budget <= 0 ? InventoryStatus.More : InventoryStatus.Insufficient, [i, avail], c.out];
      if (max > 0 && cur + q > max)
        return c.budget <= 0
          ? [InventoryStatus.More, [i, avail], c.out]
          : [InventoryStatus.HolderLimit, [i, max, cur], c.out];
    }
    counted.push(max > 0 ? "1" : "0");
  }
  const exp = now + ttl;
  let rec = ["H", exp, holder, idem, counted[0], args[6]].join(SEP);
  for (let i = 0; i < n; i++) {
    const [b, e, q] = [keys[2 * i], keys[2 * i + 1], args[6 + i] as number];
    if (counted[i] === "1") db.hincrby(b, `p:${holder}`, q);
    db.hincrby(b, "held", q);
    db.zadd(e, exp, id);
    if (i > 0) {
      db.hset(b, { [`l:${id}`]: `${q}${SEP}${holder}${SEP}${counted[i]}` });
      rec += `${SEP}${b}${SEP}${e}${SEP}${q}`;
    }
  }
  if (idem !== "") db.hset(a, { [`r:${id}`]: rec, [`i:${idem}`]: id });
  else db.hset(a, { [`r:${id}`]: rec });
  return c.out.length === 0 ? exp : [InventoryStatus.Ok, [exp], c.out];
}

export type FinishAction = "commit" | "release" | "extend";

export function finishTwin(
  db: MemoryDb,
  keys: string[],
  [id, action, tomb, ttl]: readonly [holdId: string, action: FinishAction, tombMs: number, ttlMs: number],
  now: number,
): InventoryReply {
  const [b, e] = keys;
  const c: Call = { budget: FINISH_CLEANUP, out: [] };
  reclaim(db, b, e, now, tomb, c, 0, Infinity, "", 0);
  const rec = db.hget(b, `r:${id}`);
  if (rec === null) return [InventoryStatus.HoldNotFound, [], c.out];
  const r = rec.split(SEP);
  let st = r[0];
  if (st === "H" && Number(r[1]) <= now) {
    reclaimEntry(db, b, e, id, now, tomb, c, 0);
    st = "X";
  }
  if (st === "X") return [InventoryStatus.HoldExpired, recordInfo(r, id, b), c.out];
  if (st === "C")
    return [
      action === "commit" ? InventoryStatus.Again : InventoryStatus.HoldCommitted,
      recordInfo(r, id, b),
      c.out,
    ];
  if (st === "R")
    return [
      action === "release" ? InventoryStatus.Again : InventoryStatus.HoldReleased,
      recordInfo(r, id, b),
      c.out,
    ];
  if (action === "extend") {
    const exp = now + ttl;
    db.zadd(e, exp, id);
    for (let i = 6; i < r.length; i += 3) db.zadd(r[i + 1], exp, id);
    r[1] = String(exp);
    db.hset(b, { [`r:${id}`]: r.join(SEP) });
    return [InventoryStatus.Ok, recordInfo(r, id, b), c.out];
  }
  for (let i = 3; i < r.length; i += 3) {
    const [bi, ei, q] = i === 3 ? [b, e, Number(r[5])] : [r[i], r[i + 1], Number(r[i + 2])];
    db.hincrby(bi, "held", -q);
    if (action === "commit") {
      db.hincrby(bi, "sold", q);
    } else if (i === 3) {
      if (r[4] === "1") uncountHolder(db, bi, r[2], q);
    } else {
      const line = db.hget(bi, `l:${id}`);
      if (line !== null) {
        const l = line.split(SEP);
        if (l[2] === "1") uncountHolder(db, bi, l[1], q);
      }
    }
    if (i > 3) db.hdel(bi, `l:${id}`);
    db.zrem(ei, id);
  }
  r[0] = action === "commit" ? "C" : "R";
  db.hset(b, { [`r:${id}`]: r.join(SEP) });
  db.zadd(e, now + tomb, `t:${id}`);
  return [InventoryStatus.Ok, recordInfo(r, id, b), c.out];
}
