import { describe, expect, it } from "vitest";
import { inject } from "vitest";
import { PrivateRedis } from "../support/redis-server.js";
import { expectStoreFailures, onPrivateRedis } from "../support/faults.js";
import { createStore } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/types.js";
import { checkRedis } from "../../src/store/redis/check.js";
import { StoreUnavailableError, StoreTimeoutError } from "../../src/errors/store-errors.js";
import { bump } from "../fixtures/bump.js";

const hasRedis = inject("redisPort") !== null;

describe.runIf(hasRedis)("store against a Redis that goes away", () => {
  const fault = onPrivateRedis();

  it("fails with a typed error within the timeout, then works again after a restart", async () => {
    const { redis, store } = fault;
    const key = store.keys.key("fault", "k");
    expect(((await store.run(bump, [key], [1, 60_000])) as number[])[0]).toBe(1);
    await redis.kill();
    const started = Date.now();
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => store.run(bump, [key], [1, 60_000])),
    );
    expect(Date.now() - started).toBeLessThan(1500);
    expectStoreFailures(results);
    expect((await store.health()).status).toBe("down");
    await redis.start();
    // The restarted server has an empty script cache: the store must reload (NOSCRIPT) by itself.
    let value: number | undefined;
    for (let i = 0; i < 50 && value === undefined; i++) {
      try {
        value = ((await store.run(bump, [key], [1, 60_000])) as number[])[0];
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    expect(value).toBe(1); // persistence is off in this private instance: the counter starts again
    expect((await store.health()).status).toBe("ok");
  });

  it("times out (StoreTimeoutError) when Redis stalls, then recovers", async () => {
    const { redis, store } = fault;
    const key = store.keys.key("fault", "stall");
    await store.run(bump, [key], [1, 60_000]);
    redis.pause();
    try {
      const started = Date.now();
      const err = await store.run(bump, [key], [1, 60_000]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreTimeoutError);
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      redis.resume();
    }
    let ok = false;
    for (let i = 0; i < 50 && !ok; i++) {
      ok = await store.run(bump, [key], [1, 60_000]).then(
        () => true,
        () => false,
      );
      if (!ok) await new Promise((r) => setTimeout(r, 50));
    }
    expect(ok).toBe(true);
  });

  it("fails to create a store for an unreachable Redis within connectTimeoutMs", async () => {
    const started = Date.now();
    await expect(
      createStore({
        type: "redis",
        redis: { host: "127.0.0.1", port: 1 },
        env: {},
        connectTimeoutMs: 300,
        checkServer: false,
      }),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

/** Runs `fn` on a store over a private Redis started with `args`; both are gone afterwards. */
async function onPrivateServer(
  args: string[],
  fn: (store: Store, redis: PrivateRedis) => Promise<void>,
): Promise<void> {
  const redis = await PrivateRedis.start({ args });
  const store = await createStore({ type: "redis", redis: { url: redis.url }, env: {}, checkServer: false });
  try {
    await fn(store, redis);
  } finally {
    redis.resume();
    await store.close();
    await redis.stop();
  }
}

describe.runIf(hasRedis)("server check (doctor)", () => {
  it("warns about an evicting maxmemory-policy and disabled persistence", async () => {
    await onPrivateServer(["--maxmemory-policy", "allkeys-lru", "--maxmemory", "900000"], async (store) => {
      const findings = await checkRedis(store);
      const eviction = findings.find((f) => f.check === "eviction")!;
      expect(eviction.level).toBe("warn");
      expect(eviction.message).toMatch(/allkeys-lru/);
      expect(eviction.fix).toMatch(/noeviction/);
      expect(findings.find((f) => f.check === "persistence")!.level).toBe("warn");
      expect(findings.find((f) => f.check === "version")!.level).not.toBe("error");
      // An empty Redis uses about 0.9 MB: at least 80% of a 900 kB maxmemory.
      const memory = findings.find((f) => f.check === "memory")!;
      expect(memory).toMatchObject({ level: "warn", maxBytes: 900_000, usedBytes: expect.any(Number) });
      expect(memory.message).toMatch(/used of maxmemory/);
    });
  });

  it("accepts a safe configuration", async () => {
    await onPrivateServer(["--maxmemory-policy", "noeviction", "--appendonly", "yes"], async (store) => {
      const findings = await checkRedis(store);
      expect(findings.filter((f) => f.level !== "ok")).toEqual([]);
    });
  });

  it("judges latency by the fastest of a few round trips, not by one that a stall delayed", async () => {
    await onPrivateServer([], async (store, redis) => {
      // The first round trip waits out a 150 ms stall of the server; the next ones do not.
      redis.pause();
      const thaw = setTimeout(() => redis.resume(), 150);
      const findings = await checkRedis(store).finally(() => clearTimeout(thaw));
      const latency = findings.find((f) => f.check === "latency")!;
      expect(latency.level).toBe("ok");
      expect(latency.message).toMatch(/^round trip \d+\.\d\d ms \(the fastest of [2-5]\)$/);
    });
  });
});
