import { describe, expect, inject, it } from "vitest";
import { expectStoreFailures, onPrivateRedis } from "../support/faults.js";
import { isStoreFailure } from "../../src/errors/store-errors.js";
import { createSemaphores } from "../../src/semaphore/index.js";
import { ConcurrencyPermitLostError, createConcurrencyLimiter } from "../../src/concurrency/index.js";

const hasRedis = inject("redisPort") !== null;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(hasRedis)("semaphores and the concurrency limiter against a Redis that goes away", () => {
  const fault = onPrivateRedis();

  it("fails closed with a typed store error while acquiring, never hangs, and works after a restart", async () => {
    const { redis, store } = fault;
    const s = createSemaphores(store, { retryCapMs: 50 });
    const limiter = createConcurrencyLimiter(store, {
      limit: 1,
      ttlMs: 600,
      maxQueue: 10,
      queueTimeoutMs: 20_000,
    });
    await s.acquire("busy", { limit: 1, ttlMs: 60_000 });
    // Waiters are polling a full semaphore when the server dies: they must fail, not wait out waitMs.
    const waiting = Promise.allSettled(
      Array.from({ length: 5 }, () => s.acquire("busy", { limit: 1, waitMs: 20_000 })),
    );
    let lostReason: unknown;
    const running = limiter.run(
      "held",
      (signal) =>
        new Promise<void>((resolve) =>
          signal.addEventListener("abort", () => {
            lostReason = signal.reason;
            resolve();
          }),
        ),
    );
    await sleep(50);
    let ranWhileQueued = false;
    const queued = Promise.allSettled([
      limiter.run("held", () => {
        ranWhileQueued = true;
      }),
    ]);
    await sleep(100);
    expect(limiter.queued("held")).toBe(1);
    await redis.kill();
    const killedAt = Date.now();

    const fresh = await Promise.allSettled([
      ...Array.from({ length: 20 }, () => s.acquire("other", { limit: 3 })),
      s.tryAcquire("other", { limit: 3 }),
      s.count("other"),
      s.holders("other"),
    ]);
    expect(Date.now() - killedAt).toBeLessThan(3_000);
    expectStoreFailures(fresh, { orClosed: true });
    expectStoreFailures(await waiting, { orClosed: true });
    expect(Date.now() - killedAt).toBeLessThan(5_000);

    // The running call's permit cannot be confirmed: its signal aborts by the TTL, not never.
    await running;
    expect(lostReason).toBeInstanceOf(ConcurrencyPermitLostError);
    expect(Date.now() - killedAt).toBeLessThan(5_000);

    // A new call fails closed: the work does not run.
    let ran = false;
    const refused = await Promise.allSettled([limiter.run("fresh", () => (ran = true))]);
    expectStoreFailures(refused, { orClosed: true });
    expect(ran).toBe(false);
    const q = await queued;
    expectStoreFailures(q, { orClosed: true });
    expect(ranWhileQueued).toBe(false);

    await redis.start();
    let permit;
    for (let i = 0; i < 60 && !permit; i++) {
      try {
        permit = await s.acquire("after-restart", { limit: 1 });
      } catch (e) {
        expect(isStoreFailure(e)).toBe(true);
        await sleep(50);
      }
    }
    expect(permit?.holders).toBe(1);
    expect(await limiter.run("after-restart", () => "ok")).toBe("ok");
  });
});
