/**
 * Finding 3 of issue 13 (the embedded store had no cap): the memory store keeps a budget of the
 * data it holds; past it, writes that add data fail with StoreFullError and change nothing, nothing
 * is evicted, reads and releases keep working. Redis with `maxmemory` + `noeviction` gives the same
 * typed error (run here on a private Redis).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocks } from "../../src/lock/index.js";
import { createInventory } from "../../src/inventory/index.js";
import { Channels } from "../../src/channel/channels.js";
import { isStoreFullError, StoreFullError } from "../../src/errors/store-errors.js";
import { createStore } from "../../src/store/create-store.js";
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import type { Store } from "../../src/store/types.js";
import type { RedisStore } from "../../src/store/redis/redis-store.js";
import { faultTestStore } from "../support/stores.js";
import { PrivateRedis, redisServerAvailable } from "../support/redis-server.js";
import { memorySnapshot } from "../server/support.js";

/** Takes locks `lock-0`, `lock-1`, … until the store refuses one; returns the leases taken. */
async function fillWithLocks(store: Store, max = 100_000) {
  const locks = createLocks(store);
  const leases = [];
  for (let i = 0; i < max; i++) {
    try {
      leases.push(await locks.acquire(`lock-${i}`, { ttlMs: 600_000 }));
    } catch (e) {
      expect(isStoreFullError(e), String(e)).toBe(true);
      return { locks, leases, refused: e as StoreFullError };
    }
  }
  throw new Error(`the store took ${max} locks without refusing one`);
}

/** What a full store must still do: nothing evicted, reads fine, releases fine, then writes again. */
async function expectFullButServing(store: Store) {
  const { locks, leases, refused } = await fillWithLocks(store);
  expect(leases.length).toBeGreaterThan(10);
  expect(refused.code).toBe("HOLDFAST_STORE_FULL");
  expect(refused.message).toMatch(/maxMemoryBytes|maxmemory/);
  // Nothing was evicted: every lock taken is still held, and readable.
  for (const l of leases) expect((await locks.get(l.key))?.fence, l.key).toBe(l.fence);
  // Still refused, and refresh (an in-place update) and release keep working.
  await expect(locks.acquire("one-more", { ttlMs: 600_000 })).rejects.toBeInstanceOf(StoreFullError);
  await locks.refresh(leases[0]);
  for (const l of leases.slice(0, Math.ceil(leases.length / 2))) await locks.release(l);
  // Released data frees room: writes work again.
  await locks.acquire("one-more", { ttlMs: 600_000 });
  return leases.length;
}

describe("the memory store's budget", () => {
  it("refuses writes that add data once over maxMemoryBytes; reads and releases still work", async () => {
    const store = new MemoryStore({ maxMemoryBytes: 1024 * 1024 });
    try {
      const taken = await expectFullButServing(store);
      expect(store.db.usedBytes).toBeLessThan(1024 * 1024 + 4096); // overshoot: at most one write
      expect(taken).toBeGreaterThan(500);
    } finally {
      await store.close();
    }
  });

  it("a refused script changes nothing at all, on any primitive (also delivers nothing)", async () => {
    const store = new MemoryStore({ maxMemoryBytes: 64 * 1024 });
    const channels = new Channels(store, { defaults: { mode: "durable" } });
    try {
      const received: unknown[] = [];
      const sub = await channels.subscribe("news", (m) => void received.push(m.data));
      await fillWithLocks(store);
      const inventory = createInventory(store);
      const before = memorySnapshot(store);
      const used = store.db.usedBytes;
      await expect(inventory.defineItem("item", { stock: 10 })).rejects.toBeInstanceOf(StoreFullError);
      await expect(channels.publish("news", { big: "x".repeat(1000) })).rejects.toBeInstanceOf(
        StoreFullError,
      );
      await new Promise((r) => setImmediate(r));
      expect(received).toEqual([]);
      expect(memorySnapshot(store)).toBe(before);
      expect(store.db.usedBytes).toBe(used);
      await sub.unsubscribe();
    } finally {
      await channels.close();
      await store.close();
    }
  });

  it("counts bytes exactly back to zero: whatever is written and then removed, usedBytes returns", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.stringMatching(/^[a-z:{}]{1,12}$/), fc.nat(5)), { maxLength: 30 }),
        async (ops) => {
          const store = new MemoryStore();
          const locks = createLocks(store);
          const channels = new Channels(store, { defaults: { mode: "durable", maxLen: 3 } });
          try {
            const leases = [];
            for (const [n, k] of ops) {
              if (k < 3) {
                try {
                  leases.push(await locks.acquire(`l:${n}`, { ttlMs: 60_000, metadata: { n } }));
                } catch {
                  // held already
                }
              } else await channels.publish(`c:${n}`, { n, k });
            }
            for (const l of leases) await locks.release(l);
            // What remains is the fence counters and channel streams: delete every key.
            for (const k of [...store.db.scan("*")]) store.db.del(k);
            expect(store.db.usedBytes).toBe(0);
          } finally {
            await channels.close();
            await store.close();
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it("is a createStore option and validated", async () => {
    const store = await createStore({ type: "memory", env: {}, maxMemoryBytes: 1_000_000 });
    expect((await store.health()).memory).toEqual({ usedBytes: 0, maxBytes: 1_000_000 });
    await store.close();
    expect(() => new MemoryStore({ maxMemoryBytes: 10 })).toThrow(/maxMemoryBytes/);
  });
});

describe.runIf(redisServerAvailable().ok)("Redis over maxmemory (noeviction)", () => {
  let redis: PrivateRedis;
  let store: Store;
  beforeAll(async () => {
    redis = await PrivateRedis.start({ args: ["--maxmemory-policy", "noeviction"] });
    store = await faultTestStore(redis, { commandTimeoutMs: 2000 });
    // A budget a little above what an empty server uses, so a few thousand locks fill it.
    const client = (store as RedisStore).client;
    const info = (await client.info("memory")) as string;
    const used = Number(/used_memory:(\d+)/.exec(info)![1]);
    await client.config("SET", "maxmemory", String(used + 1024 * 1024));
  });
  afterAll(async () => {
    await store?.close();
    await redis?.stop();
  });

  it("refuses writes with the same StoreFullError; reads and releases still work", async () => {
    await expectFullButServing(store);
  });
});
