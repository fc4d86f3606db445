import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { describeStores } from "../support/stores.js";
import { createLocks, type Locks } from "../../src/lock/locks.js";
import { LockConflictError, LockLostError, LockNotOwnedError } from "../../src/lock/errors.js";
import { CrossSlotError } from "../../src/errors/store-errors.js";
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import type { Store } from "../../src/store/types.js";
import { rejection } from "../support/rejection.js";

/** Deletes a raw key behind the library's back (as eviction or a restart without persistence would). */
async function loseKey(store: Store, key: string): Promise<void> {
  if (store instanceof MemoryStore) store.db.del(key);
  else await (store as RedisStore).client.del(key);
}

/** Writes a raw string key behind the library's back. */
async function setKey(store: Store, key: string, value: string): Promise<void> {
  if (store instanceof MemoryStore) store.db.set(key, value);
  else await (store as RedisStore).client.set(key, value);
}

async function pttlOf(store: Store, key: string): Promise<number> {
  if (store instanceof MemoryStore) {
    store.db.now = Date.now();
    return store.db.pttl(key);
  }
  return (store as RedisStore).client.pttl(key);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const name = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

describeStores("locks", ({ store }) => {
  let locks: Locks;
  const L = () => (locks ??= createLocks(store(), { ttlMs: 10_000 }));

  it("acquires in one call and reports the holder's remaining TTL and metadata on conflict", async () => {
    const key = name("basic");
    const lease = await L().acquire(key, { ttlMs: 5_000, metadata: { userId: "u1" } });
    expect(lease.key).toBe(key);
    expect(lease.mode).toBe("exclusive");
    expect(lease.token).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isSafeInteger(lease.fence)).toBe(true);
    expect(Math.abs(lease.expiresAt - (Date.now() + 5_000))).toBeLessThan(3_000);
    const e = (await rejection(L().acquire(key))) as LockConflictError;
    expect(e).toBeInstanceOf(LockConflictError);
    expect(e.code).toBe("HOLDFAST_LOCK_CONFLICT");
    expect(e.key).toBe(key);
    expect(e.heldBy).toBe("exclusive");
    expect(e.remainingTtlMs).toBeGreaterThan(3_000);
    expect(e.remainingTtlMs).toBeLessThanOrEqual(5_000);
    expect(e.holderMetadata).toEqual({ userId: "u1" });
    expect(e.holderFence).toBe(lease.fence);
    expect(JSON.stringify(e.toJSON())).not.toContain(lease.token);
    await L().release(lease);
    const again = await L().acquire(key);
    expect(again.fence).toBeGreaterThan(lease.fence);
    await L().release(again);
  });

  it("is not reentrant: the same owner token gets a conflict marked `self`", async () => {
    const key = name("self");
    const lease = await L().acquire(key, { owner: "owner-a" });
    const e = (await rejection(L().acquire(key, { owner: "owner-a" }))) as LockConflictError;
    expect(e.heldBy).toBe("self");
    await L().release(lease);
  });

  it("refuses release and refresh with a wrong or stale token and changes nothing", async () => {
    const key = name("owner");
    const lease = await L().acquire(key, { ttlMs: 5_000 });
    const wrong = (await rejection(L().release({ key, token: "not-mine" }))) as LockNotOwnedError;
    expect(wrong).toBeInstanceOf(LockNotOwnedError);
    expect(wrong.key).toBe(key);
    expect(wrong.reason).toBe("held-by-another");
    const wrongRefresh = (await rejection(
      L().refresh({ key, token: "not-mine" }, 60_000),
    )) as LockNotOwnedError;
    expect(wrongRefresh.reason).toBe("held-by-another");
    const info = await L().get(key);
    expect(info?.fence).toBe(lease.fence);
    expect(info!.remainingTtlMs).toBeLessThanOrEqual(5_000);
    await L().release({ key, token: lease.token }); // a plain {key, token} works
    const stale = (await rejection(L().release(lease))) as LockNotOwnedError;
    expect(stale.reason).toBe("expired");
    expect(await L().get(key)).toBeNull();
  });

  it("refreshes only while still the owner and never re-acquires an expired lock", async () => {
    const key = name("refresh");
    const lease = await L().acquire(key, { ttlMs: 200 });
    const refreshed = await L().refresh({ key, token: lease.token }, 5_000);
    expect(refreshed.fence).toBe(lease.fence);
    expect(refreshed.mode).toBe("exclusive");
    expect((await L().get(key))!.remainingTtlMs).toBeGreaterThan(3_000);
    await L().refresh(refreshed, 100);
    await sleep(250);
    const e = (await rejection(L().refresh(refreshed))) as LockNotOwnedError;
    expect(e.reason).toBe("expired");
    expect(await L().get(key)).toBeNull();
  });

  it("issues strictly increasing fences across expiry and force-release", async () => {
    const key = name("fence");
    const fences: number[] = [];
    for (let i = 0; i < 5; i++) {
      // Leases that are force-released live long enough to still be there on a loaded machine.
      const l = await L().acquire(key, { ttlMs: i % 2 === 0 ? 50 : 10_000 });
      fences.push(l.fence);
      if (i % 2 === 0) await sleep(70);
      else expect(await L().forceRelease(key)).toBe(true);
    }
    for (let i = 1; i < fences.length; i++) expect(fences[i]).toBeGreaterThan(fences[i - 1]);
    expect(await L().forceRelease(key)).toBe(false);
  });

  it("keeps the fence counter for fenceRetentionMs and stays monotonic when it is lost", async () => {
    const key = name("floor");
    const local = createLocks(store(), { fenceRetentionMs: 3_600_000 });
    const first = await local.acquire(key, { ttlMs: 1_000 });
    const fenceKey = store().keys.key("lockfence", key);
    const ttl = await pttlOf(store(), fenceKey);
    expect(ttl).toBeGreaterThan(3_500_000);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
    await local.release(first);
    await loseKey(store(), fenceKey);
    const second = await local.acquire(key, { ttlMs: 1_000 });
    expect(second.fence).toBeGreaterThan(first.fence); // the server-time floor
    await local.release(second);
    // Many acquires within one millisecond still get distinct, increasing fences (the counter).
    const fences: number[] = [];
    for (let i = 0; i < 20; i++) {
      const l = await local.acquire(key, { ttlMs: 1_000 });
      fences.push(l.fence);
      await local.release(l);
    }
    for (let i = 1; i < fences.length; i++) expect(fences[i]).toBeGreaterThan(fences[i - 1]);
  });

  it("keeps fences increasing when the server clock is behind the counter (a clock step back)", async () => {
    const key = name("clock");
    const fenceKey = store().keys.key("lockfence", key);
    const ahead = (Date.now() + 3_600_000) * 1000; // an hour ahead of the clock, in µs
    await setKey(store(), fenceKey, String(ahead));
    const first = await L().acquire(key, { ttlMs: 1_000 });
    expect(first.fence).toBe(ahead + 1);
    await L().release(first);
    const second = await L().acquire(key, { ttlMs: 1_000 });
    expect(second.fence).toBe(ahead + 2);
    await L().release(second);
    const other = `${key}-m`;
    await setKey(store(), store().keys.key("lockfence", other), String(ahead));
    const many = await L().acquireMany([other], { ttlMs: 1_000 });
    expect(many.fences).toEqual([ahead + 1]);
    await L().release(many);
  });

  it("waits with backoff until the holder's lease ends, never past waitMs", async () => {
    const key = name("wait");
    const first = await L().acquire(key, { ttlMs: 300 });
    const second = await L().acquire(key, { waitMs: 5_000 });
    expect(second.fence).toBeGreaterThan(first.fence);
    const started = Date.now();
    const e = (await rejection(L().acquire(key, { waitMs: 250 }))) as LockConflictError;
    const took = Date.now() - started;
    expect(e).toBeInstanceOf(LockConflictError);
    expect(e.attempts).toBeGreaterThan(1);
    expect(took).toBeGreaterThanOrEqual(240);
    expect(took).toBeLessThan(2_000);
    await L().release(second);
  });

  it("stops waiting at once when the signal aborts", async () => {
    const key = name("abort");
    const held = await L().acquire(key, { ttlMs: 10_000 });
    const controller = new AbortController();
    const reason = new Error("user left");
    const started = Date.now();
    const p = rejection(L().acquire(key, { waitMs: 20_000, signal: controller.signal }));
    setTimeout(() => controller.abort(reason), 100);
    expect(await p).toBe(reason);
    expect(Date.now() - started).toBeLessThan(3_000);
    await L().release(held);
    await expect(L().acquire(key, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(await L().get(key)).toBeNull();
  });

  it("locks several names of one slot all or nothing, each with its own fence", async () => {
    const tag = `{room-${randomUUID().slice(0, 6)}}`;
    const names = [`${tag}:14:00`, `${tag}:14:30`, `${tag}:15:00`];
    const blocker = await L().acquire(names[1]);
    const e = (await rejection(L().acquireMany(names))) as LockConflictError;
    expect(e).toBeInstanceOf(LockConflictError);
    expect(e.key).toBe(names[1]);
    expect(await L().get(names[0])).toBeNull();
    expect(await L().get(names[2])).toBeNull();
    await L().release(blocker);
    const multi = await L().acquireMany(names, { ttlMs: 5_000, metadata: { cart: "c1" } });
    expect(multi.fences).toHaveLength(3);
    for (const f of multi.fences) expect(f).toBeGreaterThan(blocker.fence - 1);
    for (const n of names) expect((await L().get(n))?.metadata).toEqual({ cart: "c1" });
    const refreshed = await L().refresh({ keys: names, token: multi.token }, 8_000);
    expect(refreshed.expiresAt).toBeGreaterThan(multi.expiresAt);
    await expect(L().release({ keys: names, token: "nope" })).rejects.toBeInstanceOf(LockNotOwnedError);
    expect(await L().get(names[0])).not.toBeNull();
    await L().release(multi);
    for (const n of names) expect(await L().get(n)).toBeNull();
  });

  it("refuses names in different slots before writing anything", async () => {
    const a = name("x");
    const b = name("y");
    await expect(L().acquireMany([a, b])).rejects.toBeInstanceOf(CrossSlotError);
    expect(await L().get(a)).toBeNull();
    expect(await L().get(b)).toBeNull();
  });

  it("lets many readers or one writer hold a key", async () => {
    const key = name("rw");
    const r1 = await L().acquireRead(key, { ttlMs: 5_000 });
    const r2 = await L().acquireRead(key, { ttlMs: 300 });
    expect(r1.mode).toBe("read");
    const blocked = (await rejection(L().acquire(key))) as LockConflictError;
    expect(blocked.heldBy).toBe("readers");
    expect(blocked.readers).toBe(2);
    expect((await L().get(key))?.readers).toBe(2);
    const again = (await rejection(L().acquireRead(key, { owner: r1.token }))) as LockConflictError;
    expect(again.heldBy).toBe("self");
    const refreshed = await L().refresh({ key, token: r1.token }, 6_000);
    expect(refreshed.mode).toBe("read");
    await L().release(r1);
    await sleep(350); // r2 expires and is reclaimed by the next writer attempt
    const w = await L().acquire(key, { ttlMs: 5_000 });
    expect(w.fence).toBeGreaterThan(r1.fence);
    await expect(L().release(r2)).rejects.toBeInstanceOf(LockNotOwnedError);
    const readBlocked = (await rejection(L().acquireRead(key))) as LockConflictError;
    expect(readBlocked.heldBy).toBe("exclusive");
    await L().release(w);
    const r3 = await L().acquireRead(key);
    expect(r3.fence).toBe(w.fence); // readers carry the last writer's fence
    await L().release(r3);
  });

  it("lists active locks without KEYS and shows tokens only when asked", async () => {
    const p = `list-${randomUUID().slice(0, 6)}-`;
    const a = await L().acquire(`${p}a`, { metadata: { who: "a" } });
    const b = await L().acquire(`${p}b`);
    const r = await L().acquireRead(`${p}c`);
    const listed = await L().list({ prefix: p });
    expect(listed.map((i) => i.key).sort()).toEqual([`${p}a`, `${p}b`, `${p}c`]);
    expect(listed.every((i) => i.token === undefined)).toBe(true);
    expect(listed.find((i) => i.key === `${p}a`)?.metadata).toEqual({ who: "a" });
    expect(listed.find((i) => i.key === `${p}c`)?.mode).toBe("read");
    const admin = await L().list({ prefix: p, includeTokens: true });
    expect(admin.find((i) => i.key === `${p}a`)?.token).toBe(a.token);
    expect(await L().list({ prefix: p, limit: 2 })).toHaveLength(2);
    await Promise.all([L().release(a), L().release(b), L().release(r)]);
    expect(await L().list({ prefix: p })).toEqual([]);
  });

  it("withLock keeps the lease alive past its TTL and releases it on exit and on throw", async () => {
    const key = name("with");
    const result = await L().withLock(
      key,
      async (signal, lease) => {
        // Twice the TTL and more; the 1 s lease is refreshed every third of it, so a busy test
        // machine's stalls of several hundred ms cannot make it lapse.
        await sleep(2_100);
        expect(signal.aborted).toBe(false);
        await expect(L().acquire(key)).rejects.toBeInstanceOf(LockConflictError);
        return (lease as { fence: number }).fence;
      },
      { ttlMs: 1_000 },
    );
    expect(typeof result).toBe("number");
    expect(await L().get(key)).toBeNull();
    const boom = new Error("boom");
    await expect(L().withLock(key, () => Promise.reject(boom))).rejects.toBe(boom);
    expect(await L().get(key)).toBeNull();
  });

  it("withLock aborts the signal when the lease is taken away", async () => {
    const key = name("lost");
    let abortedWith: unknown;
    const p = L().withLock(
      key,
      (signal) =>
        new Promise<string>((resolve) => {
          signal.addEventListener("abort", () => {
            abortedWith = signal.reason;
            resolve("stopped");
          });
        }),
      { ttlMs: 400, refreshEveryMs: 50 },
    );
    await sleep(100);
    await L().forceRelease(key);
    const e = await rejection(p);
    expect(e).toBeInstanceOf(LockLostError);
    expect((e as LockLostError).reason).toBe("not-owned");
    expect(abortedWith).toBe(e);
  });
});
