/**
 * What each onStoreUnavailable policy does when a private Redis is killed, and that decisions go
 * back to Redis once it returns. Every degraded decision is flagged and counted.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { PrivateRedis } from "../support/redis-server.js";
import type { Store } from "../../src/store/types.js";
import {
  createRateLimiter,
  httpStatusOf,
  rateLimitHeaders,
  type RateLimiter,
} from "../../src/limit/index.js";
import { holdfastRegistry } from "../../src/observe/metrics.js";
import { isStoreFailure } from "../../src/errors/store-errors.js";
import { faultTestStore } from "../support/stores.js";

const hasRedis = inject("redisPort") !== null;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function degradedCount(policy: string): Promise<number> {
  const metric = holdfastRegistry.getSingleMetric("holdfast_degraded_decisions_total");
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((v) => v.labels.primitive === "ratelimit" && v.labels.policy === policy)
    .reduce((a, v) => a + v.value, 0);
}

async function untilNotDegraded(l: RateLimiter, key: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const r = await l.peek(key).catch(() => undefined);
    if (r && !r.degraded) return;
    await sleep(50);
  }
  throw new Error("the limiter did not hand decisions back to Redis");
}

describe.runIf(hasRedis)("rate limiter when Redis goes away", () => {
  let redis: PrivateRedis;
  let store: Store;
  const limiters: RateLimiter[] = [];
  const make = (name: string, policy: "fail-closed" | "fail-open" | "local" | undefined) => {
    const l = createRateLimiter(store, {
      name,
      algorithm: "fixed-window",
      limit: 3,
      windowMs: 86_400_000,
      recheckIntervalMs: 100,
      ...(policy ? { onStoreUnavailable: policy } : {}),
    });
    limiters.push(l);
    return l;
  };

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    store = await faultTestStore(redis);
  });
  afterAll(async () => {
    for (const l of limiters) l.close();
    await store?.close();
    await redis?.stop();
  });

  it("fail-closed (the default) refuses with 503, flagged and counted, then recovers", async () => {
    const l = make("closed", undefined);
    expect((await l.consume("k")).allowed).toBe(true);
    const before = await degradedCount("fail-closed");
    await redis.kill();
    const started = Date.now();
    const r = await l.consume("k");
    expect(Date.now() - started).toBeLessThan(2000);
    expect(r).toMatchObject({
      allowed: false,
      degraded: true,
      degradedPolicy: "fail-closed",
      reason: "store-unavailable",
    });
    expect(r.degradedReason).toBeTruthy();
    expect(httpStatusOf(r)).toBe(503);
    expect(rateLimitHeaders(r)).toEqual({ "Retry-After": "1" });
    // later decisions do not wait for the dead store
    const t1 = Date.now();
    expect((await l.consume("k")).degraded).toBe(true);
    expect(Date.now() - t1).toBeLessThan(250);
    expect(await degradedCount("fail-closed")).toBe(before + 2);
    // reads are not decisions: they throw the store's typed error
    await expect(l.peek("k")).rejects.toSatisfy(isStoreFailure);
    await redis.start();
    await untilNotDegraded(l, "k");
    const back = await l.consume("k");
    expect(back.degraded).toBeUndefined();
    expect(back.allowed).toBe(true);
  });

  it("fail-open allows without counting, flagged and counted", async () => {
    const l = make("open", "fail-open");
    const before = await degradedCount("fail-open");
    await redis.kill();
    const rs = [];
    for (let i = 0; i < 6; i++) rs.push(await l.consume("k"));
    for (const r of rs) {
      expect(r).toMatchObject({ allowed: true, degraded: true, degradedPolicy: "fail-open" });
      expect(httpStatusOf(r)).toBe(200);
    }
    expect(await degradedCount("fail-open")).toBe(before + 6);
    await redis.start();
    await untilNotDegraded(l, "k");
    expect((await l.consume("k")).degraded).toBeUndefined();
  });

  it("local limits with the same algorithm in process, then hands back to Redis", async () => {
    const l = make("local", "local");
    expect((await l.consume("k")).allowed).toBe(true);
    expect((await l.consume("k")).allowed).toBe(true);
    const before = await degradedCount("local");
    await redis.kill();
    const rs = [];
    for (let i = 0; i < 5; i++) rs.push(await l.consume("k"));
    // The local budget starts full: per process, the global limit is multiplied during an outage.
    expect(rs.map((r) => r.allowed)).toEqual([true, true, true, false, false]);
    for (const r of rs) expect(r).toMatchObject({ degraded: true, degradedPolicy: "local" });
    expect(rs[3]).toMatchObject({ reason: "limit-reached", remaining: 0 });
    expect(httpStatusOf(rs[3])).toBe(429);
    expect(await degradedCount("local")).toBe(before + 5);
    await redis.start(); // no persistence: Redis comes back empty
    await untilNotDegraded(l, "k");
    const back = await l.consume("k");
    expect(back).toMatchObject({ allowed: true, remaining: 2 });
    expect(back.degraded).toBeUndefined();
  });
});
