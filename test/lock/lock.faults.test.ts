/**
 * A Redis that dies under a running lock workload: operations fail closed with the typed store
 * error within the command timeout, nothing hangs, withLock aborts its section, no unhandled
 * rejection; after a restart (without persistence) everything works again and fences still
 * increase thanks to the server-time floor.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { onPrivateRedis } from "../support/faults.js";
import { isStoreFailure } from "../../src/errors/store-errors.js";
import { createLocks, type Locks } from "../../src/lock/locks.js";
import { LockConflictError, LockLostError } from "../../src/lock/errors.js";

const hasRedis = inject("redisPort") !== null;
const COMMAND_TIMEOUT_MS = 300;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(hasRedis)("locks against a Redis that goes away", () => {
  const fault = onPrivateRedis({ store: { commandTimeoutMs: COMMAND_TIMEOUT_MS } });
  let locks: Locks;
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);

  beforeAll(() => {
    locks = createLocks(fault.store, { ttlMs: 5_000 });
  });
  beforeEach(() => {
    unhandled.length = 0;
    process.on("unhandledRejection", onUnhandled);
  });
  afterEach(() => {
    process.off("unhandledRejection", onUnhandled);
  });

  it("fails closed within the command timeout, aborts withLock, and recovers after a restart", async () => {
    const { redis } = fault;
    const before = await locks.acquire("fence-key", { ttlMs: 60_000 });

    // A running workload: 8 loops of acquire/release, plus one long withLock section.
    let stop = false;
    const failures: { ms: number; error: unknown }[] = [];
    const workload = Array.from({ length: 8 }, async (_, w) => {
      while (!stop) {
        const t0 = performance.now();
        try {
          const lease = await locks.acquire(`work-${w}`, { ttlMs: 2_000 });
          await locks.release(lease);
        } catch (e) {
          failures.push({ ms: performance.now() - t0, error: e });
          await sleep(20);
        }
      }
    });
    let abortedAt = 0;
    const started = performance.now();
    const section = locks.withLock(
      "section",
      (signal) =>
        new Promise<string>((resolve) => {
          signal.addEventListener("abort", () => {
            abortedAt = performance.now();
            resolve("stopped");
          });
        }),
      { ttlMs: 1_500, refreshEveryMs: 200 },
    );
    const sectionResult = section.then(
      () => undefined,
      (e: unknown) => e,
    );

    await sleep(300);
    const killedAt = performance.now();
    await redis.kill();
    await sleep(2_500);

    // withLock gave up at the lease's local deadline (at most ttlMs after its last good refresh).
    const lost = await sectionResult;
    expect(lost).toBeInstanceOf(LockLostError);
    expect((lost as LockLostError).reason).toBe("deadline");
    expect(abortedAt).toBeGreaterThan(killedAt);
    expect(abortedAt - started).toBeLessThan(300 + 1_500 + 500);

    // Every failure is a typed store error, and none took much longer than the command timeout.
    const during = failures.slice();
    expect(during.length).toBeGreaterThan(0);
    for (const f of during) {
      expect(isStoreFailure(f.error), String(f.error)).toBe(true);
      expect(f.ms).toBeLessThan(COMMAND_TIMEOUT_MS + 1_200);
    }
    // Direct calls too: fail closed, never "proceed anyway".
    await expect(locks.acquire("while-down")).rejects.toSatisfy(isStoreFailure);
    await expect(locks.release(before)).rejects.toSatisfy(isStoreFailure);

    // Restart without persistence: the lock data and the fence counters are gone.
    await redis.start();
    let after;
    for (let i = 0; i < 100 && !after; i++) {
      try {
        after = await locks.acquire("fence-key", { ttlMs: 60_000 });
      } catch (e) {
        if (!isStoreFailure(e)) throw e;
        await sleep(50);
      }
    }
    expect(after).toBeDefined();
    // The counter key was lost; the server-time floor keeps the fence above every earlier one.
    expect(after!.fence).toBeGreaterThan(before.fence);
    await expect(locks.acquire("fence-key")).rejects.toBeInstanceOf(LockConflictError);
    await locks.release(after!);

    stop = true;
    await Promise.all(workload);
    const recovered = await locks.acquire("work-0");
    await locks.release(recovered);
    expect(unhandled).toEqual([]);
  }, 30_000);
});
