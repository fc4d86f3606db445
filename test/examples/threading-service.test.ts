/**
 * Seed 002 on Holdfast, on a private Redis: the seed's testing snippet as written, two instances
 * contending for one thread lock and sharing rate limits, then Redis killed, where the seed's
 * fail-open turns one lock into two holders and Holdfast refuses instead, and Redis restarted.
 */
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { createMachine, holdfastRegistry, InvalidArgumentError, type Logger } from "holdfast";
import { PrivateRedis } from "../support/redis-server.js";
import { buildThreadingApp } from "../../examples/threading-service/app.js";
import { RedisHelpers } from "../../examples/threading-service/helpers.js";
import { threadMachine } from "../../examples/threading-service/threads.js";
import {
  CONNECTED_LINE,
  UNAVAILABLE_LINE,
  type RateLimitOnRedisDown,
} from "../../examples/threading-service/types.js";

const hasRedis = inject("redisPort") !== null;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** A logger that keeps every line, to check the seed's status lines. */
function captureLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (_obj: object, msg?: string) => void lines.push(msg ?? "");
  return { lines, debug: keep, info: keep, warn: keep, error: keep };
}

/** The seed's two status lines, in the order they were logged. */
const seedLines = (l: { lines: string[] }) =>
  l.lines.filter((m) => m === CONNECTED_LINE || m === UNAVAILABLE_LINE);

/** A rate-limit check once `h`'s limiter decides with Redis again (degraded answers are retried). */
async function fromRedis(h: RedisHelpers, key: string, limit: number) {
  for (let i = 0; i < 100; i++) {
    const r = await h.checkRateLimit(key, limit, 60);
    if (!r.degraded) return r;
    await sleep(100);
  }
  throw new Error("the limiter never went back to Redis");
}

async function degradedCount(primitive: string, policy: string): Promise<number> {
  const metric = holdfastRegistry.getSingleMetric("holdfast_degraded_decisions_total");
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.find((v) => v.labels.primitive === primitive && v.labels.policy === policy)?.value ?? 0;
}

describe("seed 002 helpers: input and configuration (memory store)", () => {
  it("validates before writing and reads RATE_LIMIT_ON_REDIS_DOWN (default local)", async () => {
    const memory = { type: "memory" as const, logger: captureLogger() };
    expect(() => new RedisHelpers({ env: { RATE_LIMIT_ON_REDIS_DOWN: "sometimes" }, store: memory })).toThrow(
      InvalidArgumentError,
    );
    const byDefault = new RedisHelpers({ env: {}, store: memory, logger: captureLogger() });
    const open = new RedisHelpers({ env: { RATE_LIMIT_ON_REDIS_DOWN: "fail-open" }, store: memory });
    try {
      expect(byDefault.rateLimitOnRedisDown).toBe("local");
      expect(open.rateLimitOnRedisDown).toBe("fail-open");
      await expect(byDefault.acquireLock("", 10)).rejects.toThrow(InvalidArgumentError);
      await expect(byDefault.acquireLock("k", 0)).rejects.toThrow(/ttlSeconds/);
      await expect(byDefault.checkRateLimit("k", 0, 60)).rejects.toThrow(/limit/);
      await expect(byDefault.checkRateLimit("k", 5, 0.5)).rejects.toThrow(/windowSeconds/);
      // Nothing was written by the refused calls: the key is free and the budget full.
      expect(await byDefault.acquireLock("k", 10)).toBe(true);
      expect((await byDefault.checkRateLimit("k", 5, 60)).remaining).toBe(4);
      // Memory is a correct single-instance store, but it is not Redis.
      expect(byDefault.storeKind).toBe("memory");
      expect(byDefault.isRedisAvailable()).toBe(false);
    } finally {
      await byDefault.close();
      await open.close();
    }
  });
});

describe.runIf(hasRedis)("seed 002 on Holdfast: threading locks and rate limits", () => {
  let redis: PrivateRedis;
  const made: RedisHelpers[] = [];
  const instance = async (policy: RateLimitOnRedisDown = "local", logger: Logger = captureLogger()) => {
    const h = new RedisHelpers({
      rateLimitOnRedisDown: policy,
      recheckIntervalMs: 200,
      logger,
      env: {},
      store: {
        type: "redis",
        redis: { url: redis.url },
        checkServer: false,
        connectTimeoutMs: 1000,
        commandTimeoutMs: 500,
        reconnectBaseMs: 20,
        reconnectCapMs: 200,
      },
    });
    made.push(h);
    await h.ready();
    return h;
  };

  beforeAll(async () => {
    redis = await PrivateRedis.start();
  });
  afterAll(async () => {
    await Promise.all(made.map((h) => h.close()));
    await redis?.stop();
  });

  it("runs the seed's testing snippet as written, and two module instances exclude each other", async () => {
    process.env.REDIS_URL = redis.url;
    try {
      const { isRedisAvailable, acquireLock, releaseLock, closeRedis } =
        await import("../../examples/threading-service/redis-client.js");

      // The seed's snippet, verbatim but for the ESM import.
      console.log("Redis available:", isRedisAvailable());
      const acquired = await acquireLock("test:lock", 10);
      console.log("Lock acquired:", acquired);
      await releaseLock("test:lock");

      expect(isRedisAvailable()).toBe(true);
      expect(acquired).toBe(true);
      // Released: it can be taken again.
      expect(await acquireLock("test:lock", 10)).toBe(true);

      // A second instance of the module (a second server): same Redis, its own leases.
      vi.resetModules();
      const other = await import("../../examples/threading-service/redis-client.js");
      try {
        expect(other.isRedisAvailable()).toBe(true);
        expect(await other.acquireLock("test:lock", 10)).toBe(false);
        // The seed's releaseLock is a bare DEL; this one never frees another instance's lock.
        expect(await other.releaseLock("test:lock")).toBe(false);
        expect(await other.acquireLock("test:lock", 10)).toBe(false);
        expect(await releaseLock("test:lock")).toBe(true);
        expect(await other.acquireLock("test:lock", 10)).toBe(true);
        expect(await other.releaseLock("test:lock")).toBe(true);
      } finally {
        await other.closeRedis();
        await closeRedis();
      }
    } finally {
      delete process.env.REDIS_URL;
    }
  });

  it("lets exactly one of two instances hold a thread lock, and only the holder release it", async () => {
    const [a, b] = [await instance(), await instance()];
    for (let round = 0; round < 25; round++) {
      const key = `thread:contended-${round}`;
      const tries = [a, b, a, b, a, b, a, b].map((h) => h.acquireLock(key, 10));
      expect((await Promise.all(tries)).filter(Boolean)).toHaveLength(1);
    }

    // A holder whose lease expired cannot release the next holder's lock (the seed's DEL could).
    const first = await a.tryAcquireLock("thread:expiring", 0.3);
    expect(first.acquired).toBe(true);
    await sleep(600);
    const second = await b.tryAcquireLock("thread:expiring", 10);
    expect(second.acquired).toBe(true);
    expect(second.fence!).toBeGreaterThan(first.fence!);
    expect(await a.releaseLock("thread:expiring")).toBe(false);
    expect(await a.acquireLock("thread:expiring", 10)).toBe(false);
    expect(await b.releaseLock("thread:expiring")).toBe(true);
  });

  it("shares one rate-limit budget across instances", async () => {
    const [a, b] = [await instance(), await instance()];
    const calls = [a, b, a, b, a, b, a, b, a, b, a, b].map((h) => h.checkRateLimit("reply:user-1", 5, 60));
    const results = await Promise.all(calls);
    expect(results.filter((r) => r.allowed)).toHaveLength(5);
    for (const r of results) {
      expect(r.degraded).toBeUndefined();
      if (!r.allowed) expect(r.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    }
    expect(
      results
        .filter((r) => r.allowed)
        .map((r) => r.remaining)
        .sort(),
    ).toEqual([0, 1, 2, 3, 4]);
  });

  it("numbers concurrent replies under the thread lock and limits each user (HTTP)", async () => {
    const app = buildThreadingApp({
      redis: await instance(),
      replyLimit: 2,
      replyWindowSeconds: 60,
      writeDelayMs: 10,
      logLevel: "silent",
    });
    try {
      const post = (userId: string) =>
        app.inject({ method: "POST", url: "/api/threads/t-1/reply", payload: { userId, text: "hi" } });
      const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => post(`user-${i}`)));
      expect(replies.map((r) => r.statusCode)).toEqual(Array(8).fill(201));
      const numbers = replies.map((r) => (r.json() as { reply: { number: number } }).reply.number);
      // Without the lock every request would read the same length during the delay and write 1.
      expect(numbers.sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

      expect((await post("user-0")).statusCode).toBe(201);
      const limited = await post("user-0");
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      expect(
        (await app.inject({ method: "POST", url: "/api/threads/t-1/reply", payload: {} })).statusCode,
      ).toBe(400);
      const health = await app.inject({ method: "GET", url: "/health" });
      expect(health.json()).toMatchObject({
        status: "ok",
        redis: true,
        store: "redis",
        policies: { locks: "fail-closed", rateLimits: "local" },
      });
    } finally {
      await app.close();
    }
  });

  it("keeps a thread in Redis: two instances racing replies number them once, and read the same thread", async () => {
    const options = { replyLimit: 100, writeDelayMs: 5, logLevel: "silent" };
    const a = buildThreadingApp({ redis: await instance(), ...options });
    const b = buildThreadingApp({ redis: await instance(), ...options });
    type Posted = { reply: { number: number; userId: string; fence: number } };
    const post = (app: typeof a, userId: string, text = "hi") =>
      app.inject({ method: "POST", url: "/api/threads/t-shared/reply", payload: { userId, text } });
    const read = async (app: typeof a, query = "") =>
      (await app.inject({ method: "GET", url: `/api/threads/t-shared${query}` })).json() as {
        replies: { number: number; userId: string; text: string; fence: number; at: string }[];
        nextCursor?: string;
      };
    try {
      // The bug this fixes: each instance kept its own copy, and both numbered their first reply 1.
      expect(((await post(a, "ann", "first")).json() as Posted).reply.number).toBe(1);
      expect(((await post(b, "bob", "second")).json() as Posted).reply.number).toBe(2);

      const racing = await Promise.all(
        Array.from({ length: 12 }, (_, i) => post(i % 2 ? a : b, `user-${i}`, `racing ${i}`)),
      );
      expect(racing.map((r) => r.statusCode)).toEqual(Array(12).fill(201));
      const numbers = racing.map((r) => (r.json() as Posted).reply.number).sort((x, y) => x - y);
      expect(numbers).toEqual(Array.from({ length: 12 }, (_, i) => i + 3));

      const [onA, onB] = [await read(a), await read(b)];
      expect(onA).toEqual(onB);
      expect(onA.replies.map((r) => r.number)).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
      expect(onA.replies.slice(0, 2)).toMatchObject([
        { number: 1, userId: "ann", text: "first" },
        { number: 2, userId: "bob", text: "second" },
      ]);
      // Written under the thread lock: the fence grows with the number.
      const fences = onA.replies.map((r) => r.fence);
      expect(fences).toEqual([...fences].sort((x, y) => x - y));

      // Pages, oldest first, from either instance.
      const first = await read(b, "?limit=5");
      expect(first.replies.map((r) => r.number)).toEqual([1, 2, 3, 4, 5]);
      const second = await read(a, `?limit=10&after=${first.nextCursor}`);
      expect(second.replies.map((r) => r.number)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14]);
      expect(second.nextCursor).toBeUndefined();
      expect((await a.inject({ method: "GET", url: "/api/threads/t-shared?after=nope" })).statusCode).toBe(
        400,
      );
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("refuses a reply whose lock ran out while someone else replied, rather than reuse the number", async () => {
    // A pauses 600 ms inside a 200 ms lock: its lease lapses, B takes the thread and replies.
    const slow = buildThreadingApp({
      redis: await instance(),
      lockTtlSeconds: 0.2,
      writeDelayMs: 600,
      logLevel: "silent",
    });
    const fast = buildThreadingApp({ redis: await instance(), lockTtlSeconds: 0.2, logLevel: "silent" });
    const post = (app: typeof slow, userId: string) =>
      app.inject({ method: "POST", url: "/api/threads/t-paused/reply", payload: { userId, text: userId } });
    const watcher = createMachine((await instance()).sharedStore, threadMachine);
    let created = false;
    const poll = setInterval(() => {
      void watcher.get("t-paused").then(
        (t) => (created ||= t !== null),
        () => undefined,
      );
    }, 20);
    try {
      const late = post(slow, "paused");
      // Once the thread exists, A has read its number and is pausing with the lock.
      await until("A read the thread", () => created);
      const meanwhile = await post(fast, "meanwhile");
      expect(meanwhile.statusCode).toBe(201);
      expect((meanwhile.json() as { reply: { number: number } }).reply.number).toBe(1);
      const refused = await late;
      expect(refused.statusCode).toBe(409);
      expect(refused.json()).toMatchObject({ error: "thread_moved" });
      const thread = (await fast.inject({ method: "GET", url: "/api/threads/t-paused" })).json() as {
        replies: { number: number; userId: string }[];
      };
      expect(thread.replies).toMatchObject([{ number: 1, userId: "meanwhile" }]);
    } finally {
      clearInterval(poll);
      await slow.close();
      await fast.close();
    }
  });

  it("when Redis stalls: a timed-out acquire is refused, and availability comes back by probing", async () => {
    const log = captureLogger();
    const [a, b] = [await instance("local", log), await instance()];
    redis.pause();
    try {
      // The connection stays open, so only the timeout tells: no 'close' event here.
      expect(await a.tryAcquireLock("thread:stalled", 1)).toEqual({
        acquired: false,
        reason: "redis-unavailable",
        degraded: true,
      });
      expect(a.isRedisAvailable()).toBe(false);
    } finally {
      redis.resume();
    }
    await until("the probe to find Redis answering again", () => a.isRedisAvailable());
    expect(seedLines(log)).toEqual([CONNECTED_LINE, UNAVAILABLE_LINE, CONNECTED_LINE]);
    // The stalled script ran once Redis woke up, for a token nobody holds: the lock blocks everyone
    // until its TTL ends, but never admits two.
    const during = await Promise.all([
      a.acquireLock("thread:stalled", 10),
      b.acquireLock("thread:stalled", 10),
    ]);
    expect(during.filter(Boolean).length).toBeLessThanOrEqual(1);
    await sleep(1100);
    const after = await Promise.all([
      a.acquireLock("thread:stalled", 10),
      b.acquireLock("thread:stalled", 10),
    ]);
    expect(after.filter(Boolean)).toHaveLength(1);
  });

  it("when Redis dies: the seed's fail-open makes two lock holders, Holdfast refuses and says so; then recovers", async () => {
    const logs = [captureLogger(), captureLogger(), captureLogger()];
    const local = await instance("local", logs[0]);
    const closed = await instance("fail-closed", logs[1]);
    const open = await instance("fail-open", logs[2]);
    const all = [local, closed, open];
    expect(all.every((h) => h.isRedisAvailable())).toBe(true);
    for (const l of logs) expect(seedLines(l)).toEqual([CONNECTED_LINE]);

    await redis.kill();
    await until("every instance to see Redis down", () => all.every((h) => !h.isRedisAvailable()));
    for (const l of logs) expect(seedLines(l)).toEqual([CONNECTED_LINE, UNAVAILABLE_LINE]);

    // The seed's policy, written as the seed describes it: "Distributed locks: operations proceed".
    const seedAcquireLock = (h: RedisHelpers) => async (key: string, ttlSeconds: number) => {
      try {
        if (!h.isRedisAvailable()) return true; // fail-open
        return await h.acquireLock(key, ttlSeconds);
      } catch {
        return true; // fail-open
      }
    };
    const seedHolders = await Promise.all([local, closed].map((h) => seedAcquireLock(h)("thread:42", 10)));
    // Split brain: both instances now believe they own thread 42 and write into it at once.
    expect(seedHolders).toEqual([true, true]);

    // Holdfast: fail closed, flagged and counted.
    const lockRefusalsBefore = await degradedCount("lock", "fail-closed");
    const attempts = await Promise.all([local, closed].map((h) => h.tryAcquireLock("thread:42", 10)));
    for (const a of attempts)
      expect(a).toEqual({ acquired: false, reason: "redis-unavailable", degraded: true });
    expect(await local.acquireLock("thread:42", 10)).toBe(false);
    expect(await degradedCount("lock", "fail-closed")).toBe(lockRefusalsBefore + 3);
    expect(local.degradedDecisions.locks).toBe(2);

    // Rate limits: each instance follows its configured policy, flagged degraded and counted.
    const localBefore = await degradedCount("ratelimit", "local");
    const perProcess = [];
    for (let i = 0; i < 3; i++) perProcess.push(await local.checkRateLimit("reply:user-9", 2, 60));
    expect(perProcess.map((r) => r.allowed)).toEqual([true, true, false]);
    for (const r of perProcess) expect(r).toMatchObject({ degraded: true, policy: "local" });
    expect(await degradedCount("ratelimit", "local")).toBeGreaterThanOrEqual(localBefore + 3);
    expect(await closed.checkRateLimit("reply:user-9", 2, 60)).toMatchObject({
      allowed: false,
      degraded: true,
      policy: "fail-closed",
      retryAfterSeconds: 1,
    });
    expect(await open.checkRateLimit("reply:user-9", 2, 60)).toMatchObject({
      allowed: true,
      degraded: true,
      policy: "fail-open",
    });

    // An instance that starts while Redis is down comes up, refuses locks, and says why.
    const lateLog = captureLogger();
    const late = await instance("local", lateLog);
    expect(late.isRedisAvailable()).toBe(false);
    expect(seedLines(lateLog)).toEqual([UNAVAILABLE_LINE]);
    expect(await late.tryAcquireLock("thread:42", 10)).toMatchObject({ acquired: false, degraded: true });

    await redis.start();
    const everyone = [...all, late];
    await until("every instance to see Redis back", () => everyone.every((h) => h.isRedisAvailable()));
    // Logged once per change of state, never repeated while the state holds.
    for (const l of logs) expect(seedLines(l)).toEqual([CONNECTED_LINE, UNAVAILABLE_LINE, CONNECTED_LINE]);
    expect(seedLines(lateLog)).toEqual([UNAVAILABLE_LINE, CONNECTED_LINE]);

    // Locks are decided by Redis again, across instances.
    expect(await late.acquireLock("thread:42", 10)).toBe(true);
    expect(await local.acquireLock("thread:42", 10)).toBe(false);
    expect(await late.releaseLock("thread:42")).toBe(true);
    expect(await closed.acquireLock("thread:42", 10)).toBe(true);

    // Rate limits are shared again once each limiter's recheck finds Redis (every 200 ms here).
    const shared = [
      await fromRedis(local, "reply:user-10", 3),
      await fromRedis(closed, "reply:user-10", 3),
      await fromRedis(late, "reply:user-10", 3),
    ];
    expect(shared.map((r) => r.allowed)).toEqual([true, true, true]);
    expect(await fromRedis(open, "reply:user-10", 3)).toMatchObject({ allowed: false, remaining: 0 });
  });
});
