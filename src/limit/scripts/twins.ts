import type { MemoryDb } from "../../store/memory/memory-db.js";
import type { ScriptArg } from "../../store/script.js";
import type { RateLimitReply } from "./scripts.js";

/**
 * The memory twin of `ratelimit-1.lua`: the same arithmetic in the same order (so both stores
 * compute the same doubles and return the same integers), on a {@link MemoryDb} hash.
 * Read the Lua file's header for the arguments and the reply.
 */

const EPS = 1e-6;
const MAX_TTL = 1e13;
const MIN_KEEP_MS = 60_000;

interface LimitState {
  algo: number;
  /** The hash field of its state. */
  field: string;
  lim: number;
  par: number;
  start: number;
  c: number;
  prev: number;
  t: number;
  T: number;
  tat: number;
}

export function rateLimitTwin(
  db: MemoryDb,
  keys: string[],
  args: readonly ScriptArg[],
  now: number,
): RateLimitReply {
  const key = keys[0];
  const op = Number(args[0]);
  if (op === 3) {
    db.del(key);
    return [1, 0, 0];
  }
  let amount = Number(args[1]);
  const blockMs = Number(args[2]);
  const n = Number(args[3]);
  const h = db.hgetall(key);
  const num = (field: string, dflt: number): number => {
    const v = h.get(field);
    return v === undefined ? dflt : Number(v);
  };
  const mine = new Set<string>();
  for (let i = 0; i < n; i++) mine.add(String(args[5 + 4 * i]));
  // The key's state field(s), as in Lua: "@" and the limits' fields joined by "|"; here each limit's
  // numbers (its state, then when it stops mattering) are joined by commas and the limits by ";"
  // (exact in JS). Other lists' limits that still matter are kept (see includes/decide.lua).
  const segments = new Map<string, string>();
  const others: string[] = [];
  const old: string[] = [];
  for (const [f, v] of h) {
    if (f === "blk" || f === "x") continue;
    // Written over by save() (a field of an older layout, such as "g:name", is dropped too).
    old.push(f);
    if (!f.startsWith("@")) continue;
    const values = v.split(";");
    f.slice(1)
      .split("|")
      .forEach((name, j) => {
        const seg = values[j];
        if (seg === undefined || segments.has(name)) return;
        segments.set(name, seg);
        const nums = seg.split(",");
        if (!mine.has(name) && Number(nums[nums.length - 1]) > now) others.push(name);
      });
  }
  const state = (field: string): number[] | undefined => segments.get(field)?.split(",").map(Number);

  const L: LimitState[] = [];
  for (let i = 0; i < n; i++) {
    const base = 4 + 4 * i;
    const s: LimitState = {
      algo: Number(args[base]),
      field: String(args[base + 1]),
      lim: Number(args[base + 2]),
      par: Number(args[base + 3]),
      start: 0,
      c: 0,
      prev: 0,
      t: 0,
      T: 0,
      tat: 0,
    };
    const saved = state(s.field);
    if (s.algo === 1 || s.algo === 2) {
      const W = s.par;
      const start = now - (now % W);
      const [w, savedCount, savedPrev] = saved ?? [-1, 0, 0];
      let c = savedCount;
      let prev = s.algo === 2 ? savedPrev : 0;
      if (w === start) {
        // same window
      } else if (s.algo === 2 && w === start - W) {
        prev = c;
        c = 0;
      } else {
        prev = 0;
        c = 0;
      }
      if (s.algo === 1) prev = 0;
      s.start = start;
      s.c = c;
      s.prev = prev;
    } else if (s.algo === 3) {
      const [tokens, ts] = saved ?? [s.lim, now];
      let t = tokens;
      let elapsed = now - ts;
      if (elapsed < 0) elapsed = 0;
      t = t + (elapsed * s.par) / 1000;
      if (t > s.lim) t = s.lim;
      s.t = t;
    } else {
      s.T = 1000 / s.par;
      let tat = saved?.[0] ?? now;
      if (tat < now) tat = now;
      s.tat = tat;
    }
    L.push(s);
  }

  const estimate = (s: LimitState): number => {
    const W = s.par;
    return (s.prev * (W - (now - s.start))) / W + s.c;
  };

  const check = (s: LimitState, cost: number): number => {
    if (cost > s.lim) return -1;
    if (s.algo === 1) {
      if (s.c + cost <= s.lim) return 0;
      return s.start + s.par - now;
    }
    if (s.algo === 2) {
      const W = s.par;
      if (estimate(s) + cost <= s.lim + EPS) return 0;
      const elapsed = now - s.start;
      const room = s.lim - cost - s.c;
      let wait: number;
      if (room >= 0) wait = Math.ceil(W - (room * W) / s.prev - elapsed);
      else wait = W - elapsed + Math.max(0, Math.ceil(W - ((s.lim - cost) * W) / s.c));
      return wait < 1 ? 1 : wait;
    }
    if (s.algo === 3) {
      if (cost <= s.t + EPS) return 0;
      const wait = Math.ceil(((cost - s.t) * 1000) / s.par - EPS);
      return wait < 1 ? 1 : wait;
    }
    const over = s.tat + cost * s.T - now - s.lim * s.T;
    if (over <= EPS) return 0;
    const wait = Math.ceil(over - EPS);
    return wait < 1 ? 1 : wait;
  };

  const apply = (s: LimitState, amt: number): void => {
    if (s.algo === 1 || s.algo === 2) {
      s.c = s.c + amt;
      if (s.c < 0) s.c = 0;
    } else if (s.algo === 3) {
      s.t = s.t - amt;
      if (s.t > s.lim) s.t = s.lim;
    } else {
      s.tat = s.tat + amt * s.T;
      if (s.tat < now) s.tat = now;
    }
  };

  const remaining = (s: LimitState): number => {
    let r: number;
    if (s.algo === 1) r = s.lim - s.c;
    else if (s.algo === 2) r = Math.floor(s.lim - estimate(s) + EPS);
    else if (s.algo === 3) r = Math.floor(s.t + EPS);
    else r = Math.floor((s.lim * s.T - (s.tat - now)) / s.T + EPS);
    if (r < 0) r = 0;
    if (r > s.lim) r = s.lim;
    return r;
  };

  const resetMs = (s: LimitState): number => {
    if (s.algo === 1) return s.c > 0 ? s.start + s.par - now : 0;
    if (s.algo === 2) {
      if (s.c > 0) return s.start + 2 * s.par - now;
      if (s.prev > 0) return s.start + s.par - now;
      return 0;
    }
    if (s.algo === 3) return s.t >= s.lim ? 0 : Math.ceil(((s.lim - s.t) * 1000) / s.par - EPS);
    return Math.ceil(s.tat - now - EPS);
  };

  /** Writes every limit's state in the key's one state field, with the other lists' limits that still matter. */
  const save = (): void => {
    const names: string[] = [];
    const values: string[] = [];
    for (const s of L) {
      const state =
        s.algo === 1
          ? [s.start, s.c]
          : s.algo === 2
            ? [s.start, s.c, s.prev]
            : s.algo === 3
              ? [s.t, now]
              : [s.tat];
      names.push(s.field);
      values.push([...state, now + matters(s)].join(","));
    }
    for (const name of others) {
      names.push(name);
      values.push(segments.get(name)!);
    }
    const field = "@" + names.join("|");
    const stale = old.filter((f) => f !== field);
    if (stale.length > 0) db.hdel(key, ...stale);
    db.hset(key, { [field]: values.join(";") });
  };

  /** ms from now until limit `s`'s state stops mattering (as the key's expiry counts it). */
  const matters = (s: LimitState): number => (s.algo === 1 ? s.start + s.par - now : resetMs(s));

  const expire = (blockedUntil: number): void => {
    let ttl = blockedUntil - now;
    for (const s of L) {
      const r = matters(s);
      if (r > ttl) ttl = r;
    }
    if (ttl < 1) ttl = 1;
    if (ttl > MAX_TTL) ttl = MAX_TTL;
    if (now + ttl > num("x", 0)) {
      // Slack as in includes/save-state.lua: twice what is needed, at least a minute.
      const keep = Math.max(2 * ttl, MIN_KEEP_MS);
      db.hset(key, { x: now + keep });
      db.pexpire(key, keep);
    }
  };

  let blockedUntil = num("blk", 0);

  if (op === 2) {
    for (const s of L) apply(s, amount);
    save();
    expire(blockedUntil);
    amount = 1;
  }

  const cost = amount;
  let reason = 0;
  let retry = 0;
  if (blockedUntil > now) {
    reason = 2;
    retry = blockedUntil - now;
  }
  const waits: number[] = [];
  for (const s of L) {
    const w = check(s, cost);
    waits.push(w);
    if (reason !== 2) {
      if (w < 0) {
        reason = 3;
        retry = -1;
      } else if (w > 0 && reason !== 3) {
        reason = 1;
        if (w > retry) retry = w;
      }
    }
  }

  if (op === 0) {
    if (reason === 0) {
      for (const s of L) apply(s, cost);
      save();
      expire(blockedUntil);
    } else if (reason === 1 && blockMs > 0) {
      blockedUntil = now + blockMs;
      db.hset(key, { blk: blockedUntil });
      if (blockMs > retry) retry = blockMs;
      expire(blockedUntil);
    }
  }

  const out: number[] = [reason === 0 ? 1 : 0, reason, retry];
  for (let i = 0; i < n; i++) {
    const s = L[i];
    let w = waits[i];
    if (reason === 0 && op === 0) w = 0;
    if (reason === 2) w = retry;
    out.push(remaining(s), resetMs(s), w);
  }
  return out;
}
