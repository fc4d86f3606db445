import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeStores } from "../support/stores.js";
import {
  ConcurrencyLimitError,
  ConcurrencyPermitLostError,
  createConcurrencyLimiter,
} from "../../src/concurrency/index.js";
import { createSemaphores } from "../../src/semaphore/index.js";
import { rejection } from "../support/rejection.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const uniq = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);
beforeAll(() => {
  process.on("unhandledRejection", onUnhandled);
});
afterAll(() => {
  process.off("unhandledRejection", onUnhandled);
  expect(unhandled).toEqual([]);
});

describeStores("concurrency limiter", ({ store, another }) => {
  it("keeps at most `limit` calls in flight across two processes", async () => {
    const key = uniq("restaurant");
    const opts = { limit: 3, maxQueue: 100, queueTimeoutMs: 25_000, retryCapMs: 50 };
    const limiters = [
      createConcurrencyLimiter(store(), opts),
      createConcurrencyLimiter(await another(), opts),
    ];
    let inFlight = 0;
    let maxInFlight = 0;
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        limiters[i % 2].run(key, async () => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await sleep(5 + Math.floor(Math.random() * 25));
          inFlight--;
          return i;
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(maxInFlight).toBeLessThanOrEqual(3);
    expect(maxInFlight).toBeGreaterThanOrEqual(2);
    expect(await limiters[0].count(key)).toBe(0);
    expect(limiters[0].queued(key) + limiters[1].queued(key)).toBe(0);
  });

  it("rejects at once beyond the queue bound, and without a queue when full", async () => {
    const key = uniq("bound");
    const limiter = createConcurrencyLimiter(store(), { limit: 1, maxQueue: 2, queueTimeoutMs: 25_000 });
    const g = gate();
    const running = limiter.run(key, () => g.promise.then(() => "first"));
    await sleep(50);
    const queued = [limiter.run(key, () => "second"), limiter.run(key, () => "third")];
    await sleep(50);
    expect(limiter.queued(key)).toBe(2);
    const started = Date.now();
    let ran = false;
    const e = await rejection(limiter.run(key, () => (ran = true)));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(ran).toBe(false);
    expect(e).toBeInstanceOf(ConcurrencyLimitError);
    const err = e as ConcurrencyLimitError;
    expect([err.key, err.limit, err.queued, err.reason]).toEqual([key, 1, 2, "queue_full"]);
    expect(err.code).toBe("HOLDFAST_CONCURRENCY_LIMIT");

    const noQueue = createConcurrencyLimiter(store(), { limit: 1 });
    const full = (await rejection(noQueue.run(key, () => 1))) as ConcurrencyLimitError;
    expect(full.reason).toBe("full");
    expect(full.retryAfterMs).toBeGreaterThan(0);

    g.open();
    expect(await Promise.all([running, ...queued])).toEqual(["first", "second", "third"]);
    expect(limiter.queued(key)).toBe(0);
  });

  it("rejects a queued call after queueTimeoutMs without running it", async () => {
    const key = uniq("qtimeout");
    const limiter = createConcurrencyLimiter(store(), { limit: 1, maxQueue: 5, queueTimeoutMs: 200 });
    const g = gate();
    const running = limiter.run(key, () => g.promise);
    await sleep(30);
    const started = Date.now();
    let ran = false;
    const err = (await rejection(limiter.run(key, () => (ran = true)))) as ConcurrencyLimitError;
    expect(err).toBeInstanceOf(ConcurrencyLimitError);
    expect(err.reason).toBe("queue_timeout");
    expect(Date.now() - started).toBeGreaterThanOrEqual(180);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(ran).toBe(false);
    g.open();
    await running;
  });

  it("starts a queued call as soon as a local call ends (local fast path)", async () => {
    const key = uniq("fast");
    const limiter = createConcurrencyLimiter(store(), {
      limit: 1,
      maxQueue: 5,
      queueTimeoutMs: 25_000,
      retryBaseMs: 5_000,
      retryCapMs: 5_000,
    });
    const g = gate();
    const first = limiter.run(key, () => g.promise);
    await sleep(30);
    let startedAt = 0;
    const second = limiter.run(key, () => (startedAt = Date.now()));
    await sleep(100);
    const releasedAt = Date.now();
    g.open();
    await Promise.all([first, second]);
    expect(startedAt - releasedAt).toBeLessThan(2_000);
  });

  it("refreshes the permit while the work outlives ttlMs", async () => {
    const key = uniq("long");
    // A 600 ms permit refreshed every 100 ms: a stall of up to half a second (a busy test machine)
    // cannot let it lapse, while the work runs more than twice its TTL.
    const limiter = createConcurrencyLimiter(store(), { limit: 1, ttlMs: 600, refreshIntervalMs: 100 });
    let aborted = false;
    const result = limiter.run(key, async (signal) => {
      await sleep(1_300);
      aborted = signal.aborted;
      return "done";
    });
    await sleep(900);
    expect(await limiter.count(key)).toBe(1);
    expect(((await rejection(limiter.run(key, () => 1))) as ConcurrencyLimitError).reason).toBe("full");
    expect(await result).toBe("done");
    expect(aborted).toBe(false);
    expect(await limiter.count(key)).toBe(0);
  });

  it("aborts the work's signal when the permit is lost", async () => {
    const key = uniq("lost");
    const limiter = createConcurrencyLimiter(store(), { limit: 1, ttlMs: 600, refreshIntervalMs: 100 });
    const outside = createSemaphores(store(), { keyKind: "concurrency" });
    const result = limiter.run(
      key,
      (signal) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener("abort", () => reject(signal.reason as Error), { once: true });
        }),
    );
    // Handled from now on: the keeper may notice the loss (and `result` reject) before the release
    // below returns, which left `result` without a handler for a moment (an unhandled rejection
    // this file's afterAll then reported, under load).
    const rejected = rejection(result);
    await sleep(50);
    const [holder] = await limiter.holders(key);
    await outside.release({ name: key, token: holder.token }); // e.g. an operator's forced release
    const started = Date.now();
    const e = await rejected;
    expect(e).toBeInstanceOf(ConcurrencyPermitLostError);
    expect((e as ConcurrencyPermitLostError).key).toBe(key);
    expect((e as ConcurrencyPermitLostError).token).toBe(holder.token);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await limiter.count(key)).toBe(0);
  });

  it("releases the slot when the work throws, and passes the error on", async () => {
    const key = uniq("throw");
    const limiter = createConcurrencyLimiter(store(), { limit: 1 });
    await expect(
      limiter.run(key, () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    await expect(limiter.run(key, () => Promise.reject(new Error("async boom")))).rejects.toThrow(
      "async boom",
    );
    expect(await limiter.count(key)).toBe(0);
    expect(await limiter.run(key, () => "after")).toBe("after");
  });

  it("stops waiting when the caller's signal aborts, and forwards it to running work", async () => {
    const key = uniq("signal");
    const limiter = createConcurrencyLimiter(store(), { limit: 1, maxQueue: 5, queueTimeoutMs: 25_000 });
    const outer = new AbortController();
    const running = limiter.run(
      key,
      (signal) => new Promise((resolve) => signal.addEventListener("abort", () => resolve(signal.reason))),
      { signal: outer.signal },
    );
    await sleep(30);
    const queuedCaller = new AbortController();
    const queued = limiter.run(key, () => "never", { signal: queuedCaller.signal });
    await sleep(30);
    queuedCaller.abort(new Error("gave up"));
    expect(((await rejection(queued)) as Error).message).toBe("gave up");
    expect(limiter.queued(key)).toBe(0);
    outer.abort("shutdown");
    expect(await running).toBe("shutdown");
    expect(await limiter.count(key)).toBe(0);
  });

  it("applies a per-call limit", async () => {
    const key = uniq("percall");
    const limiter = createConcurrencyLimiter(store(), { limit: 1 });
    const g = gate();
    const a = limiter.run(key, () => g.promise, { limit: 2, metadata: { job: "a" } });
    const b = limiter.run(key, () => g.promise, { limit: 2 });
    await sleep(50);
    const hs = await limiter.holders(key);
    expect(hs).toHaveLength(2);
    expect(hs.some((h) => h.metadata?.job === "a")).toBe(true);
    expect(((await rejection(limiter.run(key, () => 1, { limit: 2 }))) as ConcurrencyLimitError).limit).toBe(
      2,
    );
    g.open();
    await Promise.all([a, b]);
  });
});
