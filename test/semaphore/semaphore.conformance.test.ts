import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { describeStores } from "../support/stores.js";
import {
  createSemaphores,
  isPermitNotHeldError,
  isSemaphoreFullError,
  PermitNotHeldError,
  SemaphoreFullError,
  type Permit,
} from "../../src/semaphore/index.js";
import { rejection } from "../support/rejection.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const uniq = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

describeStores("semaphore", ({ store, another, elapse }) => {
  it("grants up to limit permits, then refuses with holders, limit and retryAfterMs", async () => {
    const s = createSemaphores(store());
    const name = uniq("full");
    const permits: Permit[] = [];
    for (let i = 0; i < 3; i++) permits.push(await s.acquire(name, { limit: 3, ttlMs: 10_000 }));
    expect(permits.map((p) => p.holders)).toEqual([1, 2, 3]);
    expect(new Set(permits.map((p) => p.token)).size).toBe(3);
    expect(permits[0].expiresAt - Date.now()).toBeGreaterThan(5_000);

    const r = await s.tryAcquire(name, { limit: 3, ttlMs: 10_000 });
    expect(r.acquired).toBe(false);
    if (r.acquired) throw new Error("unreachable");
    expect(r.holders).toBe(3);
    expect(r.limit).toBe(3);
    expect(r.retryAfterMs).toBeGreaterThan(5_000);
    expect(r.retryAfterMs).toBeLessThanOrEqual(10_000);

    const e = await rejection(s.acquire(name, { limit: 3, ttlMs: 10_000 }));
    expect(e).toBeInstanceOf(SemaphoreFullError);
    expect(isSemaphoreFullError(e)).toBe(true);
    const full = e as SemaphoreFullError;
    expect(full.code).toBe("HOLDFAST_SEMAPHORE_FULL");
    expect(full.semaphore).toBe(name);
    expect([full.holders, full.limit, full.waitedMs]).toEqual([3, 3, 0]);
    expect(full.message).toMatch(/waitMs|limit/);
    expect(await s.count(name)).toBe(3);
  });

  it("releases only by the holder's token; a second release or a wrong token changes nothing", async () => {
    const s = createSemaphores(store());
    const name = uniq("release");
    const a = await s.acquire(name, { limit: 2 });
    const b = await s.acquire(name, { limit: 2 });
    const wrong = await rejection(s.release({ name, token: "not-a-holder" }));
    expect(wrong).toBeInstanceOf(PermitNotHeldError);
    expect((wrong as PermitNotHeldError).code).toBe("HOLDFAST_SEMAPHORE_PERMIT_NOT_HELD");
    expect((wrong as PermitNotHeldError).token).toBe("not-a-holder");
    expect(await s.count(name)).toBe(2);
    expect(await s.release(a)).toBe(1);
    expect(isPermitNotHeldError(await rejection(s.release(a)))).toBe(true);
    expect(await s.count(name)).toBe(1);
    // A permit is plain data: another process can release it from its JSON.
    const other = createSemaphores(await another());
    expect(await other.release(JSON.parse(JSON.stringify(b)) as Permit)).toBe(0);
    expect(await s.count(name)).toBe(0);
  });

  it("refreshes only while held and never re-acquires", async () => {
    const s = createSemaphores(store());
    const name = uniq("refresh");
    const p = await s.acquire(name, { limit: 1, ttlMs: 2_000 });
    const r = await s.refresh(p, 20_000);
    expect(r.token).toBe(p.token);
    expect(r.ttlMs).toBe(20_000);
    expect(r.expiresAt - p.expiresAt).toBeGreaterThan(15_000);
    const [h] = await s.holders(name);
    expect(h.remainingTtlMs).toBeGreaterThan(15_000);
    await s.release(r);
    const e = await rejection(s.refresh(r));
    expect(e).toBeInstanceOf(PermitNotHeldError);
    expect(await s.count(name)).toBe(0);
  });

  it("lets an expired permit go by itself: a crashed holder's slot returns after its TTL", async () => {
    const s = createSemaphores(store());
    const name = uniq("expire");
    const crashed = await s.acquire(name, { limit: 1, ttlMs: 150 });
    expect((await s.tryAcquire(name, { limit: 1 })).acquired).toBe(false);
    await elapse(400);
    expect(await s.count(name)).toBe(0);
    expect(await s.holders(name)).toEqual([]);
    const next = await s.acquire(name, { limit: 1, ttlMs: 5_000 });
    expect(next.holders).toBe(1);
    expect(await rejection(s.refresh(crashed))).toBeInstanceOf(PermitNotHeldError);
    expect(await rejection(s.release(crashed))).toBeInstanceOf(PermitNotHeldError);
    expect(await s.count(name)).toBe(1);
  });

  it("lists holders with remaining TTL and metadata, soonest expiry first", async () => {
    const s = createSemaphores(store());
    const name = uniq("holders");
    const long = await s.acquire(name, { limit: 5, ttlMs: 60_000, metadata: { host: "a", pid: 7 } });
    const short = await s.acquire(name, { limit: 5, ttlMs: 10_000, owner: "worker-2" });
    expect(short.token).toBe("worker-2");
    expect(long.metadata).toEqual({ host: "a", pid: 7 });
    const hs = await s.holders(name);
    expect(hs.map((h) => h.token)).toEqual(["worker-2", long.token]);
    expect(hs[0].metadata).toBeUndefined();
    expect(hs[1].metadata).toEqual({ host: "a", pid: 7 });
    expect(hs[0].remainingTtlMs).toBeGreaterThan(5_000);
    expect(hs[0].remainingTtlMs).toBeLessThanOrEqual(10_000);
    expect(hs[1].expiresAt).toBe(long.expiresAt);
    expect(await s.count(name)).toBe(2);
    await s.release(long);
    expect((await s.holders(name)).map((h) => h.token)).toEqual(["worker-2"]);
  });

  it("is idempotent for an owner that already holds a permit", async () => {
    const s = createSemaphores(store());
    const name = uniq("owner");
    const a = await s.acquire(name, { limit: 1, owner: "job-1", ttlMs: 5_000 });
    const again = await s.acquire(name, { limit: 1, owner: "job-1", ttlMs: 20_000 });
    expect(again.holders).toBe(1);
    expect(again.expiresAt).toBeGreaterThan(a.expiresAt);
    expect(await s.count(name)).toBe(1);
    expect((await s.tryAcquire(name, { limit: 1, owner: "job-2" })).acquired).toBe(false);
  });

  it("keeps existing permits when the limit is lowered, and grants none until below it", async () => {
    const s = createSemaphores(store());
    const name = uniq("lower");
    const ps: Permit[] = [];
    for (const ttlMs of [10_000, 20_000, 30_000]) ps.push(await s.acquire(name, { limit: 3, ttlMs }));
    const r = await s.tryAcquire(name, { limit: 2 });
    if (r.acquired) throw new Error("must be full");
    expect(r.holders).toBe(3);
    // Two permits must expire before one is free under limit 2: the second soonest.
    expect(r.retryAfterMs).toBeGreaterThan(15_000);
    expect(r.retryAfterMs).toBeLessThanOrEqual(20_000);
    await s.refresh(ps[2]); // existing permits keep working
    await s.release(ps[0]);
    expect((await s.tryAcquire(name, { limit: 2 })).acquired).toBe(false);
    await s.release(ps[1]);
    expect((await s.tryAcquire(name, { limit: 2 })).acquired).toBe(true);
    // Raising the limit takes effect at once.
    expect((await s.tryAcquire(name, { limit: 4 })).acquired).toBe(true);
    expect(await s.count(name)).toBe(3);
  });

  it("waits for a permit: woken at once by a local release", async () => {
    const s = createSemaphores(store(), { retryBaseMs: 5_000, retryCapMs: 5_000 });
    const name = uniq("wake");
    const held = await s.acquire(name, { limit: 1, ttlMs: 30_000 });
    const started = Date.now();
    const waiting = s.acquire(name, { limit: 1, ttlMs: 30_000, waitMs: 20_000 });
    await sleep(50);
    await s.release(held);
    const p = await waiting;
    // Backoff steps are up to 5 s here; only the local wake explains a quick grant.
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(p.holders).toBe(1);
  });

  it("waits for a permit released by another process (polling with backoff)", async () => {
    const s = createSemaphores(store(), { retryCapMs: 100 });
    const other = createSemaphores(await another(), { retryCapMs: 100 });
    const name = uniq("remote");
    const held = await other.acquire(name, { limit: 1, ttlMs: 30_000 });
    const waiting = s.acquire(name, { limit: 1, waitMs: 20_000 });
    await sleep(150);
    await other.release(held);
    const p = await waiting;
    expect(p.holders).toBe(1);
  });

  it("waits for a crashed holder's permit to expire", async () => {
    const s = createSemaphores(store(), { retryBaseMs: 5_000, retryCapMs: 5_000 });
    const name = uniq("crash-wait");
    await s.acquire(name, { limit: 1, ttlMs: 300 }); // never released
    const started = Date.now();
    const p = await s.acquire(name, { limit: 1, waitMs: 20_000 });
    // The waiter sleeps until retryAfterMs, not a whole 5 s backoff step.
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(p.holders).toBe(1);
  });

  it("gives up after waitMs with SemaphoreFullError", async () => {
    const s = createSemaphores(store());
    const name = uniq("timeout");
    await s.acquire(name, { limit: 1, ttlMs: 30_000 });
    const started = Date.now();
    const e = await rejection(s.acquire(name, { limit: 1, waitMs: 200 }));
    expect(e).toBeInstanceOf(SemaphoreFullError);
    expect((e as SemaphoreFullError).waitedMs).toBeGreaterThanOrEqual(190);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await s.count(name)).toBe(1);
  });

  it("stops waiting when the signal aborts, holding nothing", async () => {
    const s = createSemaphores(store());
    const name = uniq("abort");
    await s.acquire(name, { limit: 1, ttlMs: 30_000 });
    const ac = new AbortController();
    const waiting = s.acquire(name, { limit: 1, waitMs: 20_000, signal: ac.signal });
    setTimeout(() => ac.abort(new Error("user went away")), 100);
    const e = await rejection(waiting);
    expect((e as Error).message).toBe("user went away");
    expect(await s.count(name)).toBe(1);
    const pre = new AbortController();
    pre.abort();
    await expect(s.acquire(name, { limit: 5, signal: pre.signal })).rejects.toThrow();
    expect(await s.count(name)).toBe(1);
  });

  it("leaves no keys behind once every permit is released or expired", async () => {
    const s = createSemaphores(store(), { keyKind: "semgc" });
    const name = uniq("gc");
    const p = await s.acquire(name, { limit: 2, metadata: { a: 1 } });
    await s.acquire(name, { limit: 2, ttlMs: 150, metadata: { b: 2 } });
    await s.release(p);
    await elapse(400);
    const keys: string[] = [];
    for await (const k of store().scan(`${store().keys.prefix}semgc*`)) keys.push(k);
    expect(keys).toEqual([]);
  });
});
