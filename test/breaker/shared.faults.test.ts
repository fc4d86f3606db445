import { afterAll, beforeAll, describe, expect, it, inject, vi } from "vitest";
import { randomUUID } from "node:crypto";
import { BrokenCircuitError, CircuitBreaker, type BreakerDegradedChange } from "../../src/breaker/index.js";
import { StoreUnavailableError, StoreTimeoutError } from "../../src/errors/index.js";
import { onDegradedDecision, type DegradedDecision } from "../../src/observe/degradation.js";
import type { Store } from "../../src/store/types.js";
import { onPrivateRedis } from "../support/faults.js";
import { faultTestStore } from "../support/stores.js";

const hasRedis = inject("redisPort") !== null;
const ok = () => "ok";
const boom = () => Promise.reject(new Error("dependency down"));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(hasRedis)("shared breaker when the store goes away", () => {
  const fault = onPrivateRedis();
  // A second instance on the same Redis.
  let other: Store;
  beforeAll(async () => {
    other = await faultTestStore(fault.redis);
  });
  afterAll(async () => {
    await other?.close();
  });

  it("keeps protecting locally, reports degraded decisions, and returns to shared state", async () => {
    const { redis, store } = fault;
    const name = `fault-${randomUUID()}`;
    const b = new CircuitBreaker({
      name,
      store,
      syncIntervalMs: 200,
      strategy: { kind: "consecutive", threshold: 3 },
      halfOpenAfterMs: 60_000,
    });
    const changes: BreakerDegradedChange[] = [];
    b.onDegraded((e) => changes.push(e));
    const decisions: DegradedDecision[] = [];
    const sub = onDegradedDecision((d) => d.name === name && decisions.push(d));
    try {
      expect(await b.execute(ok)).toBe("ok");
      expect(b.degraded).toBe(false);

      await redis.kill();
      // The cached state is still fresh for a moment; wait until a sync has to happen.
      await sleep(250);
      const started = Date.now();
      expect(await b.execute(ok)).toBe("ok"); // the call itself still runs
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(b.degraded).toBe(true);
      expect(changes[0]).toMatchObject({ degraded: true });
      for (let i = 0; i < 10; i++) expect(await b.execute(ok)).toBe("ok");
      expect(decisions.length).toBeGreaterThanOrEqual(10);
      expect(decisions[0]).toMatchObject({ primitive: "breaker", name, policy: "local" });

      // Failures still open the breaker, locally.
      for (let i = 0; i < 3; i++) await expect(b.execute(boom)).rejects.toThrow("dependency down");
      const fn = vi.fn(ok);
      const err = await b.execute(fn).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BrokenCircuitError);
      expect((err as BrokenCircuitError).degraded).toBe(true);
      expect(fn).not.toHaveBeenCalled();

      // Manual operations say plainly that the other instances did not hear them.
      const tripErr = await b.trip().catch((e: unknown) => e);
      expect(tripErr instanceof StoreUnavailableError || tripErr instanceof StoreTimeoutError).toBe(true);

      await redis.start();
      // Back to the shared state (empty after the restart: closed) within a few sync intervals.
      await vi.waitFor(
        async () => {
          await b.execute(ok).catch(() => undefined);
          expect(b.degraded).toBe(false);
        },
        { timeout: 10_000, interval: 100 },
      );
      expect(changes.at(-1)).toMatchObject({ degraded: false });
      expect(await b.execute(ok)).toBe("ok");

      // And sharing works again: another instance's trip reaches this one.
      const c = new CircuitBreaker({ name, store: other, syncIntervalMs: 200 });
      await c.trip(30_000);
      await sleep(300);
      await expect(b.execute(ok)).rejects.toMatchObject({ state: "open", degraded: false });
    } finally {
      sub.dispose();
    }
  });
});
