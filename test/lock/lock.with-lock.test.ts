/**
 * withLock under hostile conditions: a stalled event loop, leases taken away mid-section, sections
 * that throw. Never an unhandled rejection.
 */
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, expect, it } from "vitest";
import { describeStores } from "../support/stores.js";
import { createLocks, type Locks } from "../../src/lock/locks.js";
import { LockLostError } from "../../src/lock/errors.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const name = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

function stallEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Busy: no timer, no I/O callback can run (as in a long GC pause or a CPU-bound handler).
  }
}

describeStores(
  "withLock",
  ({ store }) => {
    let locks: Locks;
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    beforeEach(() => {
      locks ??= createLocks(store());
      unhandled.length = 0;
      process.on("unhandledRejection", onUnhandled);
    });
    afterEach(async () => {
      await sleep(50); // let any stray rejection surface before checking
      process.off("unhandledRejection", onUnhandled);
      expect(unhandled).toEqual([]);
    });

    it("aborts the section when the event loop stalled past the lease, and reports the loss", async () => {
      const key = name("stall");
      let signalReason: unknown;
      const p = locks.withLock(
        key,
        async (signal) => {
          stallEventLoop(500);
          await sleep(30);
          signalReason = signal.reason;
          return "finished anyway";
        },
        { ttlMs: 300, refreshEveryMs: 100 },
      );
      const e = await p.then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(LockLostError);
      expect((e as LockLostError).reason).toBe("deadline");
      expect(signalReason).toBe(e);
      // The lock is free again (released or expired); a new holder gets a higher fence.
      const next = await locks.acquire(key, { waitMs: 1_000 });
      await locks.release(next);
    });

    it("rethrows the section's own error, and still releases", async () => {
      const key = name("throw");
      const mine = new TypeError("bad row");
      await expect(
        locks.withLock(key, async () => {
          await sleep(10);
          throw mine;
        }),
      ).rejects.toBe(mine);
      expect(await locks.get(key)).toBeNull();
    });

    it("survives many sections whose leases are taken away while refreshing", async () => {
      const keys = Array.from({ length: 10 }, (_, i) => name(`many-${i}`));
      const sections = keys.map((key) =>
        locks.withLock(
          key,
          (signal) =>
            new Promise<void>((resolve, reject) => {
              signal.addEventListener("abort", () => reject(signal.reason as Error));
              setTimeout(resolve, 5_000).unref();
            }),
          { ttlMs: 400, refreshEveryMs: 20 },
        ),
      );
      await sleep(60);
      await Promise.all(keys.map((k) => locks.forceRelease(k)));
      const results = await Promise.allSettled(sections);
      for (const r of results) {
        expect(r.status).toBe("rejected");
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(LockLostError);
      }
    });

    it("passes a signal that is not aborted while the lease is healthy, and a multi-key lease", async () => {
      const tag = `{${randomUUID().slice(0, 6)}}`;
      const result = await locks.withLock(
        [`${tag}:a`, `${tag}:b`],
        async (signal, lease) => {
          await sleep(1_500);
          expect(signal.aborted).toBe(false);
          return "fences" in lease ? lease.fences.length : 0;
        },
        { ttlMs: 600, refreshEveryMs: 100 },
      );
      expect(result).toBe(2);
      expect(await locks.get(`${tag}:a`)).toBeNull();
      const read = await locks.withReadLock(name("read"), (_signal, lease) => lease.mode);
      expect(read).toBe("read");
    });
  },
  { targets: ["memory", "redis"] },
);
