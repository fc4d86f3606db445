import type { MemoryDb } from "../../store/memory/memory-db.js";
import type { MemoryTwin } from "../../store/script.js";
import { BreakerStatus } from "../status.js";
import type { BreakerReply } from "./scripts.js";

interface Head {
  st: number;
  until: number;
  att: number;
  gen: number;
  consec: number;
}

function head(db: MemoryDb, key: string): Head {
  const n = (f: string) => Number(db.hget(key, f) ?? 0);
  return { st: n("st"), until: n("until"), att: n("att"), gen: n("gen"), consec: n("consec") };
}

function openMs(att: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.min(att, 30));
}

export type ReportArgs = [
  gen: number,
  successes: number,
  failures: number,
  trailingFailures: number,
  strategy: number,
  threshold: number,
  minCalls: number,
  bucketMs: number,
  buckets: number,
  baseMs: number,
  capMs: number,
  stateTtlMs: number,
];

export const reportTwin: MemoryTwin<ReportArgs, BreakerReply> = (
  db,
  [stateKey, windowKey, trialsKey],
  a,
  now,
) => {
  const [gen, s, f, tail, strategy, threshold, minCalls, bucketMs, buckets, baseMs, capMs, ttlMs] = a;
  let { st, until, att, gen: g, consec } = head(db, stateKey);
  if (st === BreakerStatus.Closed && gen === g && s + f > 0) {
    let trip: boolean;
    if (strategy === 1) {
      consec = s > 0 ? tail : consec + f;
      trip = consec >= threshold;
      db.hset(stateKey, { consec });
    } else {
      const idx = Math.floor(now / bucketMs);
      if (s > 0) db.hincrby(windowKey, `s${idx}`, s);
      if (f > 0) db.hincrby(windowKey, `f${idx}`, f);
      const oldest = idx - buckets + 1;
      let ts = 0;
      let tf = 0;
      for (const [field, v] of db.hgetall(windowKey)) {
        if (Number(field.slice(1)) < oldest) db.hdel(windowKey, field);
        else if (field[0] === "s") ts += Number(v);
        else tf += Number(v);
      }
      db.pexpire(windowKey, bucketMs * buckets * 2);
      const total = ts + tf;
      trip = total >= minCalls && tf * 1_000_000 >= threshold * total;
    }
    if (trip) {
      st = BreakerStatus.Open;
      att = 0;
      g += 1;
      until = now + Math.min(capMs, baseMs);
      db.hset(stateKey, { st, until, att, gen: g, consec: 0 });
      db.del(windowKey);
      db.del(trialsKey);
    }
  }
  if (st !== BreakerStatus.Isolated && db.exists(stateKey)) db.pexpire(stateKey, ttlMs);
  return [st, until, att, g, now, 0];
};

export type AdmitArgs = [token: string, leaseTtlMs: number, maxTrials: number, stateTtlMs: number];

export const admitTwin: MemoryTwin<AdmitArgs, BreakerReply> = (
  db,
  [stateKey, , trialsKey],
  [token, leaseTtlMs, maxTrials, ttlMs],
  now,
) => {
  let { st } = head(db, stateKey);
  const { until, att, gen } = head(db, stateKey);
  let granted = 0;
  if (st === BreakerStatus.Open && now >= until) {
    st = BreakerStatus.HalfOpen;
    db.hset(stateKey, { st });
    db.del(trialsKey);
  }
  if (st === BreakerStatus.HalfOpen) {
    db.zremrangebyscore(trialsKey, -Infinity, now);
    if (db.zcard(trialsKey) < maxTrials) {
      db.zadd(trialsKey, now + leaseTtlMs, token);
      granted = 1;
    }
    db.pexpire(trialsKey, leaseTtlMs);
    db.pexpire(stateKey, ttlMs);
  }
  return [st, until, att, gen, now, granted];
};

export type SettleArgs = [
  token: string,
  outcome: 0 | 1 | 2,
  baseMs: number,
  capMs: number,
  stateTtlMs: number,
];

export const settleTwin: MemoryTwin<SettleArgs, BreakerReply> = (
  db,
  [stateKey, windowKey, trialsKey],
  [token, outcome, baseMs, capMs, ttlMs],
  now,
) => {
  let { st, until, att, gen } = head(db, stateKey);
  let applied = 0;
  const lease = db.zscore(trialsKey, token);
  if (st === BreakerStatus.HalfOpen && lease !== null && lease > now) {
    applied = 1;
    if (outcome === 1) {
      st = BreakerStatus.Closed;
      att = 0;
      gen += 1;
      db.hset(stateKey, { st, until: 0, att, gen, consec: 0 });
      db.del(windowKey);
      db.del(trialsKey);
    } else if (outcome === 0) {
      st = BreakerStatus.Open;
      att += 1;
      gen += 1;
      until = now + openMs(att, baseMs, capMs);
      db.hset(stateKey, { st, until, att, gen });
      db.del(trialsKey);
    } else {
      db.zrem(trialsKey, token);
    }
    db.pexpire(stateKey, ttlMs);
  } else if (lease !== null) {
    db.zrem(trialsKey, token);
  }
  return [st, until, att, gen, now, applied];
};

export type ForceArgs = [
  target: 0 | 1 | 3,
  durationMs: number,
  baseMs: number,
  capMs: number,
  stateTtlMs: number,
];

export const forceTwin: MemoryTwin<ForceArgs, BreakerReply> = (
  db,
  [stateKey, windowKey, trialsKey],
  [target, durationMs, baseMs, capMs, ttlMs],
  now,
) => {
  const h = head(db, stateKey);
  let att = h.att;
  const gen = h.gen + 1;
  let until = 0;
  if (target === 0) {
    att = 0;
    db.del(windowKey);
  } else if (target === 1) {
    if (h.st !== BreakerStatus.Open && h.st !== BreakerStatus.HalfOpen) att = 0;
    until = now + (durationMs > 0 ? durationMs : openMs(att, baseMs, capMs));
  }
  db.hset(stateKey, { st: target, until, att, gen, consec: 0 });
  db.del(trialsKey);
  if (target === 3) db.persist(stateKey);
  else db.pexpire(stateKey, ttlMs);
  return [target, until, att, gen, now, 1];
};

/** Reads the shared state, changing nothing (listings and the dashboard). */
export const peekTwin: MemoryTwin<[], BreakerReply> = (db, [stateKey], _a, now) => {
  const h = head(db, stateKey);
  return [h.st, h.until, h.att, h.gen, now, db.exists(stateKey) ? 1 : 0];
};
