/**
 * The same behaviour on memory, a single Redis and a Redis Cluster, in real time (short windows,
 * generous margins for a loaded machine).
 */
import { expect, it } from "vitest";
import { describeStores, storeNow } from "../support/stores.js";
import { createRateLimiter, rateLimitHeaders, type RateLimiter } from "../../src/limit/index.js";
import type { LimitSpec } from "../../src/limit/types.js";
import { InvalidArgumentError } from "../../src/errors/invalid-argument-error.js";
import type { Store } from "../../src/store/types.js";
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import type { RedisStore } from "../../src/store/redis/redis-store.js";

const LONG: Record<string, LimitSpec> = {
  "fixed-window": { algorithm: "fixed-window", limit: 20, windowMs: 86_400_000 },
  "sliding-window": { algorithm: "sliding-window", limit: 20, windowMs: 86_400_000 },
  "token-bucket": { algorithm: "token-bucket", burst: 20, ratePerSec: 0.001 },
  gcra: { algorithm: "gcra", burst: 20, ratePerSec: 0.001 },
};

async function countAllowed(l: RateLimiter, key: string, n: number, cost = 1): Promise<number> {
  const rs = await Promise.all(Array.from({ length: n }, () => l.consume(key, { cost })));
  return rs.filter((r) => r.allowed).length;
}

/** The remaining TTL of a raw key in ms, read behind the library's back. */
async function pttlOf(store: Store, key: string): Promise<number> {
  if (store instanceof MemoryStore) {
    store.db.now = storeNow(store);
    return store.db.pttl(key);
  }
  return (store as RedisStore).client.pttl(key);
}

async function keysOf(store: Store): Promise<string[]> {
  const out: string[] = [];
  for await (const k of store.scan(store.keys.pattern("ratelimit"))) out.push(k);
  return out;
}

describeStores("rate limiter", ({ store, target, elapse }) => {
  for (const [algorithm, spec] of Object.entries(LONG)) {
    it(`${algorithm}: exactly the quota passes under 60 concurrent requests; cost counts`, async () => {
      const l = createRateLimiter(store(), { name: `c-${algorithm}`, limits: [spec] });
      expect(await countAllowed(l, "user-1", 60)).toBe(20);
      expect(await countAllowed(l, "user-2", 30, 3)).toBe(6);
      const last = await l.peek("user-2", { cost: 2 });
      expect(last).toMatchObject({ allowed: true, remaining: 2 });
      const over = await l.consume("user-2", { cost: 21 });
      expect(over).toMatchObject({ allowed: false, reason: "cost-exceeds-limit", retryAfterMs: Infinity });
      expect((await l.peek("user-2")).remaining).toBe(2);
      expect((await l.reward("user-2", 5)).remaining).toBe(7);
      expect((await l.penalty("user-2", 10)).remaining).toBe(0);
      await l.reset("user-2");
      expect((await l.peek("user-2")).remaining).toBe(20);
    });
  }

  it("fixed window: a new window starts on the server clock", async () => {
    const l = createRateLimiter(store(), {
      name: "fw-rt",
      algorithm: "fixed-window",
      limit: 3,
      windowMs: 300,
    });
    expect(await countAllowed(l, "k", 5)).toBeGreaterThanOrEqual(3);
    const denied = await l.consume("k");
    if (!denied.allowed) {
      expect(denied.retryAfterMs).toBeGreaterThan(0);
      expect(denied.retryAfterMs).toBeLessThanOrEqual(300);
      await elapse(denied.retryAfterMs + 20);
    } else {
      await elapse(320);
    }
    expect((await l.consume("k")).allowed).toBe(true);
  });

  it("token bucket and GCRA refill in real time; retryAfterMs is enough", async () => {
    for (const algorithm of ["token-bucket", "gcra"] as const) {
      const l = createRateLimiter(store(), { name: `rt-${algorithm}`, algorithm, burst: 3, ratePerSec: 2 });
      expect(await countAllowed(l, "k", 4)).toBe(3);
      const denied = await l.consume("k");
      expect(denied.allowed).toBe(false);
      expect(denied.retryAfterMs).toBeGreaterThan(0);
      expect(denied.retryAfterMs).toBeLessThanOrEqual(500);
      await elapse(denied.retryAfterMs + 20);
      expect((await l.consume("k")).allowed).toBe(true);
    }
  });

  it("sliding window: the previous window still counts, then is forgotten", async () => {
    const l = createRateLimiter(store(), {
      name: "sw-rt",
      algorithm: "sliding-window",
      limit: 4,
      windowMs: 400,
    });
    expect(await countAllowed(l, "k", 6)).toBe(4);
    const r = await l.consume("k");
    expect(r.allowed).toBe(false);
    expect(r.retryAfterMs).toBeGreaterThan(0);
    expect(r.retryAfterMs).toBeLessThanOrEqual(800);
    await elapse(850);
    expect(await countAllowed(l, "k", 6)).toBe(4);
  });

  it("blocks a key for blockDurationMs after it exceeds the limit", async () => {
    const l = createRateLimiter(store(), {
      name: "blk",
      algorithm: "token-bucket",
      burst: 2,
      ratePerSec: 5,
      blockDurationMs: 600,
    });
    expect(await countAllowed(l, "k", 3)).toBe(2);
    await elapse(250); // a token is back, but the key is blocked
    const r = await l.consume("k");
    expect(r.reason).toBe("blocked");
    expect(r.retryAfterMs).toBeLessThanOrEqual(600);
    await elapse(r.retryAfterMs + 30);
    expect((await l.consume("k")).allowed).toBe(true);
  });

  it("several limits on one key: all must allow, a refusal consumes nothing", async () => {
    const l = createRateLimiter(store(), {
      name: "multi",
      limits: [
        { name: "short", algorithm: "fixed-window", limit: 5, windowMs: 86_400_000 },
        { name: "long", algorithm: "gcra", burst: 8, ratePerSec: 0.001 },
      ],
    });
    expect(await countAllowed(l, "k", 10)).toBe(5);
    const r = await l.consume("k");
    expect(r).toMatchObject({ allowed: false, policy: "short", reason: "limit-reached" });
    expect(r.limits.map((s) => s.remaining)).toEqual([0, 3]);
    // 'short' refuses the second cost-3 request: nothing is taken from 'long' either
    expect((await l.consume("k2", { cost: 3 })).allowed).toBe(true);
    expect(await l.consume("k2", { cost: 3 })).toMatchObject({ allowed: false, policy: "short" });
    expect((await l.peek("k2")).limits.map((s) => s.remaining)).toEqual([2, 5]);
    // and the other way round: 'long' refuses, 'short' keeps its budget
    const rev = createRateLimiter(store(), {
      name: "multi-rev",
      limits: [
        { name: "short", algorithm: "fixed-window", limit: 8, windowMs: 86_400_000 },
        { name: "long", algorithm: "gcra", burst: 5, ratePerSec: 0.001 },
      ],
    });
    expect((await rev.consume("k3", { cost: 3 })).allowed).toBe(true);
    expect(await rev.consume("k3", { cost: 3 })).toMatchObject({ allowed: false, policy: "long" });
    expect((await rev.peek("k3")).limits.map((s) => s.remaining)).toEqual([5, 2]);
  });

  it("limits without a name get distinct names: default, default-2… (the README's quick start)", async () => {
    const l = createRateLimiter(store(), {
      name: "unnamed",
      limits: [
        { algorithm: "gcra", burst: 10, ratePerSec: 10 },
        { algorithm: "fixed-window", limit: 3, windowMs: 3_600_000 },
      ],
    });
    const r = await l.consume("user-42");
    expect(r.allowed).toBe(true);
    expect(r.limits.map((s) => s.name)).toEqual(["default", "default-2"]);
    expect(rateLimitHeaders(r)["RateLimit-Policy"]).toBe('"default";q=10;w=1, "default-2";q=3;w=3600');
    // A limiter that starts with one unnamed limit keeps its state when a second one is added.
    const grow = createRateLimiter(store(), {
      name: "grow",
      limits: [{ algorithm: "fixed-window", limit: 5, windowMs: 86_400_000 }],
    });
    expect(await countAllowed(grow, "k", 2)).toBe(2);
    grow.setLimits([
      { algorithm: "fixed-window", limit: 5, windowMs: 86_400_000 },
      { algorithm: "gcra", burst: 9, ratePerSec: 0.001 },
    ]);
    expect((await grow.peek("k")).limits.map((s) => [s.name, s.remaining])).toEqual([
      ["default", 3],
      ["default-2", 9],
    ]);
    // Names given by hand still must not repeat, also when they collide with a default one.
    for (const limits of [
      [LONG.gcra, { ...LONG["fixed-window"], name: "default" }],
      [
        { ...LONG.gcra, name: "x" },
        { ...LONG["fixed-window"], name: "x" },
      ],
    ]) {
      expect(() => createRateLimiter(store(), { name: "dup", limits })).toThrow(
        /duplicates "(default|x)" of limits\[0\]/,
      );
    }
  });

  it("the most limits a key may have (16, every algorithm four times) decide together", async () => {
    const algorithms = Object.values(LONG);
    const limits = Array.from({ length: 16 }, (_, i): LimitSpec => {
      const spec = algorithms[i % 4];
      const quota = 30 + i;
      return "limit" in spec
        ? { ...spec, name: `l${i}`, limit: quota }
        : { ...spec, name: `l${i}`, burst: quota };
    });
    const l = createRateLimiter(store(), { name: "sixteen", limits });
    expect(await countAllowed(l, "k", 40)).toBe(30);
    const refused = await l.consume("k");
    expect(refused).toMatchObject({ allowed: false, policy: "l0", reason: "limit-reached" });
    expect(refused.limits.map((s) => s.remaining)).toEqual(limits.map((_, i) => i));
    // l0 refuses; none of the other fifteen gave anything up
    expect((await l.peek("k", { cost: 1 })).limits.map((s) => s.remaining)).toEqual(limits.map((_, i) => i));
    const fresh = await l.consume("k2", { cost: 30 });
    expect(fresh.allowed).toBe(true);
    expect(fresh.limits.map((s) => s.remaining)).toEqual(limits.map((_, i) => i));
  });

  it("processes with different lists of limits on one key share each common limit and reset none", async () => {
    // A rolling change of limits: two processes run two lists on the same key, turn by turn.
    const burst: LimitSpec = { name: "burst", algorithm: "fixed-window", limit: 5, windowMs: 86_400_000 };
    const a = createRateLimiter(store(), {
      name: "rolling",
      limits: [burst, { name: "daily", algorithm: "sliding-window", limit: 8, windowMs: 86_400_000 }],
    });
    const b = createRateLimiter(store(), {
      name: "rolling",
      limits: [{ name: "hourly", algorithm: "gcra", burst: 6, ratePerSec: 0.001 }, burst],
    });
    const left = async (l: RateLimiter) => (await l.peek("k")).limits.map((s) => [s.name, s.remaining]);
    expect(await countAllowed(a, "k", 2)).toBe(2);
    expect(await countAllowed(b, "k", 1)).toBe(1);
    expect(await countAllowed(a, "k", 1)).toBe(1);
    expect(await left(a)).toEqual([
      ["burst", 1],
      ["daily", 5],
    ]);
    expect(await left(b)).toEqual([
      ["hourly", 5],
      ["burst", 1],
    ]);
    // The common limit runs out for both; neither refusal took anything.
    expect(await countAllowed(b, "k", 3)).toBe(1);
    expect(await a.consume("k")).toMatchObject({ allowed: false, policy: "burst" });
    expect(await left(a)).toEqual([
      ["burst", 0],
      ["daily", 5],
    ]);
    expect(await left(b)).toEqual([
      ["hourly", 4],
      ["burst", 0],
    ]);
    // Once every process runs the new list, its limits carry on.
    a.setLimits([{ name: "hourly", algorithm: "gcra", burst: 6, ratePerSec: 0.001 }, burst]);
    expect(await left(a)).toEqual([
      ["hourly", 4],
      ["burst", 0],
    ]);
  });

  it("sixteen sliding windows (the most state a key may have) decide together", async () => {
    const limits = Array.from({ length: 16 }, (_, i): LimitSpec => ({
      name: `s${i}`,
      algorithm: "sliding-window",
      limit: 10 + i,
      windowMs: 86_400_000,
    }));
    const l = createRateLimiter(store(), { name: "sixteen-sliding", limits });
    expect(await countAllowed(l, "k", 12)).toBe(10);
    expect((await l.peek("k")).limits.map((s) => s.remaining)).toEqual(limits.map((_, i) => i));
  });

  it("limits can change at runtime without losing state", async () => {
    const l = createRateLimiter(store(), {
      name: "rt-change",
      algorithm: "fixed-window",
      limit: 10,
      windowMs: 86_400_000,
    });
    expect(await countAllowed(l, "k", 6)).toBe(6);
    l.setLimits([{ algorithm: "fixed-window", limit: 8, windowMs: 86_400_000 }]);
    expect(await countAllowed(l, "k", 5)).toBe(2);
    l.setLimits([{ algorithm: "fixed-window", limit: 20, windowMs: 86_400_000 }]);
    expect((await l.peek("k")).remaining).toBe(12);
  });

  it("uses the key's hash tag and gives the state an expiry with bounded slack", async () => {
    const short = createRateLimiter(store(), {
      name: "ttl",
      algorithm: "fixed-window",
      limit: 2,
      windowMs: 200,
    });
    const long = createRateLimiter(store(), {
      name: "ttl-long",
      algorithm: "fixed-window",
      limit: 2,
      windowMs: 3_600_000,
    });
    await short.consume("{tenant-9}:user-1");
    await short.consume("plain-user");
    await long.consume("plain-user");
    const keys = await keysOf(store());
    expect(keys.some((k) => k.includes("{tenant-9}:user-1\u001fttl"))).toBe(true);
    const shortKey = keys.find((k) => k.endsWith("{plain-user}\u001fttl"))!;
    const longKey = keys.find((k) => k.endsWith("{plain-user}\u001fttl-long"))!;
    // At least as long as the state matters, at most twice that or a minute, whichever is longer.
    const shortTtl = await pttlOf(store(), shortKey);
    expect(shortTtl).toBeGreaterThan(55_000);
    expect(shortTtl).toBeLessThanOrEqual(60_000);
    const longTtl = await pttlOf(store(), longKey);
    expect(longTtl).toBeGreaterThan(0);
    expect(longTtl).toBeLessThanOrEqual(7_200_000);
    // A later check inside the slack moves nothing: the expiry only ever gets longer when needed.
    await short.consume("plain-user");
    expect(await pttlOf(store(), shortKey)).toBeLessThanOrEqual(shortTtl);
  });

  it("refuses bad input with a typed error before anything is written", async () => {
    const s = store();
    const l = createRateLimiter(s, { name: "bad", algorithm: "fixed-window", limit: 2, windowMs: 1000 });
    const before = (await keysOf(s)).filter((k) => k.endsWith("\u001fbad"));
    for (const call of [
      () => l.consume(""),
      () => l.consume("k", { cost: 0 }),
      () => l.consume("k", { cost: 1.5 }),
      () => l.consume("k", { cost: -1 }),
      () => l.consume("x".repeat(600)),
      () => l.reward("k", 0),
      () => l.penalty("k", Number.NaN),
      () => l.peek("k", { cost: 0 }),
    ]) {
      await expect(call()).rejects.toBeInstanceOf(InvalidArgumentError);
    }
    expect(() => l.setLimits([])).toThrow(InvalidArgumentError);
    expect((await keysOf(s)).filter((k) => k.endsWith("\u001fbad"))).toEqual(before);
    expect(target).toBeTruthy();
  });
});
