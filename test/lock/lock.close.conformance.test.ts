/**
 * `locks.close`: the live holder ends its lease and closes the name in one step; every store must
 * refuse every later acquire, refresh and release of it the same way, until forceRelease reopens it.
 */
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { describeStores } from "../support/stores.js";
import { createLocks, type Locks } from "../../src/lock/locks.js";
import { LockClosedError, LockConflictError, LockNotOwnedError } from "../../src/lock/errors.js";
import { InvalidArgumentError } from "../../src/errors/invalid-argument-error.js";
import { MemoryStore } from "../../src/store/memory/memory-store.js";
import { RedisStore } from "../../src/store/redis/redis-store.js";
import type { Store } from "../../src/store/types.js";
import { rejection } from "../support/rejection.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const name = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

async function pttlOf(store: Store, key: string): Promise<number> {
  if (store instanceof MemoryStore) {
    store.db.now = Date.now();
    return store.db.pttl(key);
  }
  return (store as RedisStore).client.pttl(key);
}

describeStores("locks: close", ({ store }) => {
  let locks: Locks;
  const L = () => (locks ??= createLocks(store(), { ttlMs: 10_000 }));

  it("closes a held name: every later acquire, read or multi-name, fails at once with its record", async () => {
    const key = name("{c}close");
    const lease = await L().acquire(key, { ttlMs: 5_000, metadata: { userId: "u1" } });
    const closed = await L().close(lease, { metadata: { bookedBy: "ann" } });
    expect(closed).toEqual({ key, fence: lease.fence, metadata: { bookedBy: "ann" } });
    // No TTL: the name stays closed.
    expect(await pttlOf(store(), store().keys.key("lock", key))).toBe(-1);

    const started = performance.now();
    const e = (await rejection(L().acquire(key, { waitMs: 2_000 }))) as LockClosedError;
    expect(performance.now() - started).toBeLessThan(1_000); // waiting never helps: no retry
    expect(e).toBeInstanceOf(LockClosedError);
    expect(e).not.toBeInstanceOf(LockConflictError);
    expect(e.code).toBe("HOLDFAST_LOCK_CLOSED");
    expect(e.key).toBe(key);
    expect(e.fence).toBe(lease.fence);
    expect(e.metadata).toEqual({ bookedBy: "ann" });

    const read = (await rejection(L().acquireRead(key))) as LockClosedError;
    expect(read).toBeInstanceOf(LockClosedError);
    expect(read.fence).toBe(lease.fence);
    const other = name("{c}free");
    const many = (await rejection(L().acquireMany([other, key]))) as LockClosedError;
    expect(many).toBeInstanceOf(LockClosedError);
    expect(many.key).toBe(key);
    expect(await L().get(other)).toBeNull(); // all or nothing

    expect(await L().get(key)).toBeNull(); // nobody holds it
    expect(await L().getClosed(key)).toEqual({ key, fence: lease.fence, metadata: { bookedBy: "ann" } });
    expect(await L().getClosed(other)).toBeNull();
    expect((await L().list({ prefix: key })).map((l) => l.key)).not.toContain(key);
  });

  it("keeps the holder's own metadata unless close is given some", async () => {
    const key = name("keep");
    const lease = await L().acquire(key, { metadata: { userId: "u2" } });
    expect((await L().close(lease)).metadata).toEqual({ userId: "u2" });
    expect((await L().getClosed(key))?.metadata).toEqual({ userId: "u2" });
    const bare = name("bare");
    const plain = await L().close(await L().acquire(bare));
    expect(plain).toEqual({ key: bare, fence: plain.fence });
  });

  it("refuses refresh, release and a second close of a closed name, the closer's token included", async () => {
    const key = name("after");
    const lease = await L().acquire(key);
    await L().close(lease);
    for (const call of [
      () => L().refresh(lease),
      () => L().release(lease),
      () => L().close(lease),
      () => L().release({ key, token: "someone-else" }),
    ]) {
      const e = (await rejection(call())) as LockClosedError;
      expect(e).toBeInstanceOf(LockClosedError);
      expect(e.key).toBe(key);
      expect(e.fence).toBe(lease.fence); // so a holder can tell its own close from another's
    }
    expect(await L().getClosed(key)).toEqual({ key, fence: lease.fence });
  });

  it("lets only the live holder close: a wrong, lapsed or released lease changes nothing", async () => {
    const key = name("live");
    const lease = await L().acquire(key, { ttlMs: 5_000 });
    const wrong = (await rejection(L().close({ key, token: "not-mine" }))) as LockNotOwnedError;
    expect(wrong).toBeInstanceOf(LockNotOwnedError);
    expect(wrong.reason).toBe("held-by-another");
    expect((await L().get(key))?.fence).toBe(lease.fence);
    await L().release(lease);
    expect(((await rejection(L().close(lease))) as LockNotOwnedError).reason).toBe("expired");

    const short = await L().acquire(key, { ttlMs: 40 });
    await sleep(80);
    expect(((await rejection(L().close(short))) as LockNotOwnedError).reason).toBe("expired");
    const next = await L().acquire(key);
    expect(next.fence).toBeGreaterThan(short.fence);
    expect(await L().getClosed(key)).toBeNull();
    await L().release(next);
  });

  it("validates close's metadata before writing anything", async () => {
    const key = name("meta");
    const lease = await L().acquire(key);
    const e = await rejection(L().close(lease, { metadata: { big: "x".repeat(3_000) } }));
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect((await L().get(key))?.fence).toBe(lease.fence);
    await L().release(lease);
  });

  it("is reopened by forceRelease, and the next holder's fence is higher", async () => {
    const key = name("reopen");
    const lease = await L().acquire(key);
    await L().close(lease);
    expect(await L().forceRelease(key)).toBe(true);
    expect(await L().getClosed(key)).toBeNull();
    const again = await L().acquire(key);
    expect(again.fence).toBeGreaterThan(lease.fence);
    await L().release(again);
  });

  it("refuses a multi-name refresh or release that meets a closed name", async () => {
    const [a, b] = [name("{m}a"), name("{m}b")];
    const multi = await L().acquireMany([a, b]);
    await L().close({ key: b, token: multi.token });
    const refresh = (await rejection(L().refresh(multi))) as LockClosedError;
    expect(refresh).toBeInstanceOf(LockClosedError);
    expect(refresh.key).toBe(b);
    expect((await L().get(a))?.fence).toBe(multi.fences[0]); // nothing changed
    const release = (await rejection(L().release(multi))) as LockClosedError;
    expect(release).toBeInstanceOf(LockClosedError);
    expect(release.key).toBe(b);
    expect(await L().get(a)).toBeNull(); // what it held was released
    expect(await L().getClosed(b)).not.toBeNull();
  });

  it("lets a withLock section close its own lease: no loss, nothing left to release", async () => {
    const key = name("section");
    const fence = await L().withLock(
      key,
      async (_signal, lease) => {
        await L().close(lease, { metadata: { done: true } });
        await sleep(120); // refreshes meet the closed name meanwhile (every ~67 ms at ttlMs 200)
        return lease.fence;
      },
      { ttlMs: 200 },
    );
    expect(await L().getClosed(key)).toEqual({ key, fence, metadata: { done: true } });
  });

  it("decides a lapsing holder's close against a newcomer's acquire: one wins, never both", async () => {
    const outcomes = { closed: 0, taken: 0 };
    for (let round = 0; round < 16; round++) {
      const key = name("race");
      const a = await L().acquire(key, { ttlMs: 30 });
      await sleep(20 + (round % 4) * 5); // around the end of A's lease
      const [closed, taken] = await Promise.allSettled([
        L().close(a),
        L().acquire(key, { ttlMs: 5_000, waitMs: 2_000 }), // a closed name is not waited for
      ]);
      if (closed.status === "fulfilled") {
        outcomes.closed++;
        expect(taken.status === "rejected" && taken.reason).toBeInstanceOf(LockClosedError);
        expect(await L().getClosed(key)).not.toBeNull();
      } else {
        outcomes.taken++;
        expect(closed.reason).toBeInstanceOf(LockNotOwnedError);
        expect(taken.status).toBe("fulfilled");
        expect(await L().getClosed(key)).toBeNull();
        if (taken.status === "fulfilled") await L().release(taken.value);
      }
    }
    expect(outcomes.closed + outcomes.taken).toBe(16);
  });
});
